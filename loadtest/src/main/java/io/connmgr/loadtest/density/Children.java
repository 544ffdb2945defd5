package io.connmgr.loadtest.density;

import java.util.ArrayList;
import java.util.List;

/**
 * Child processes to end if the benchmark itself is interrupted (Ctrl-C, SIGTERM), so no appliance or worker is left
 * holding thousands of sockets. Closing twice is harmless: each child's close() tolerates an ended process.
 */
public final class Children {
    private static final List<AutoCloseable> OPEN = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Children::closeAll, "close-children"));
    }

    private Children() {
    }

    public static synchronized void track(AutoCloseable child) {
        OPEN.add(child);
    }

    public static synchronized void closeAll() {
        for (AutoCloseable c : OPEN.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort on the way out
            }
        }
        OPEN.clear();
    }
}
