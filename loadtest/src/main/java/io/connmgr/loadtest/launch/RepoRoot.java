package io.connmgr.loadtest.launch;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository this program was built in: its modules' target directories hold the programs to start. */
public final class RepoRoot {
    private RepoRoot() {
    }

    public static Path find() {
        try {
            Path classes = Path.of(RepoRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = classes.getParent().getParent().getParent();
            if (Files.isDirectory(root.resolve("appliance"))) {
                return root;
            }
        } catch (Exception ignored) {
            // fall back to the working directory
        }
        return Path.of("").toAbsolutePath();
    }
}
