package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Renames a corrupt store directory to {@code <dir>.corrupt-<timestamp>}, keeping it for inspection rather than
 * deleting anything.
 */
final class CorruptStoreMover {

    // No colons: the name must be valid on every file system and easy to type in a shell.
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private CorruptStoreMover() {
    }

    /** @return where the directory now is */
    static Path moveAside(Path dir, Instant now) {
        Path absolute = dir.toAbsolutePath().normalize();
        String base = absolute.getFileName() + ".corrupt-" + STAMP.format(now);
        Path target = absolute.resolveSibling(base);
        // Two recoveries within one second must not collide.
        for (int n = 2; Files.exists(target); n++) {
            target = absolute.resolveSibling(base + "-" + n);
        }
        try {
            return Files.move(absolute, target);
        } catch (IOException e) {
            throw new StoreException(Kind.IO, "Store " + dir + " is corrupt and could not be moved aside to " + target
                    + ": " + e, e);
        }
    }
}
