package io.connmgr.loadtest.hold;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Which process listens on a TCP port, from /proc/net/tcp{,6} and the processes' descriptors. */
final class ListeningSocket {
    private static final String LISTEN = "0A";

    private ListeningSocket() {
    }

    /** Socket inodes listening on {@code port} in a /proc/net/tcp table. */
    static Set<String> listeningInodes(String table, int port) {
        Set<String> inodes = new HashSet<>();
        String wanted = String.format(Locale.ROOT, ":%04X", port);
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.length > 9 && f[1].endsWith(wanted) && f[3].equals(LISTEN)) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }

    /** Of {@code candidates}, the one holding a socket that listens on {@code port}; -1 when none or several. */
    static long pidListeningOn(int port, List<Long> candidates) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                inodes.addAll(listeningInodes(Files.readString(Path.of(table)), port));
            } catch (IOException e) {
                // no IPv6 table: fine
            }
        }
        long found = -1;
        for (long pid : candidates) {
            try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                boolean holds = fds.anyMatch(fd -> {
                    try {
                        String link = Files.readSymbolicLink(fd).toString();
                        return link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1));
                    } catch (IOException e) {
                        return false;
                    }
                });
                if (holds) {
                    if (found >= 0) {
                        return -1;
                    }
                    found = pid;
                }
            } catch (IOException e) {
                // another user's process, or gone
            }
        }
        return found;
    }
}
