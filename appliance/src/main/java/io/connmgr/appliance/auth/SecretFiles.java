package io.connmgr.appliance.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Secrets generated into the data dir on first start: the fleet key (signs fleet tokens) and the admin token. Files
 * are created owner-only (0600) and never rewritten, so a restart keeps every issued token valid; the one exception is
 * a fleet key rotation, which replaces {@value #FLEET_KEY} and keeps the old key in {@value #FLEET_KEY_PREVIOUS}
 * until its overlap window ends. A secret file found readable by others is narrowed to 0600 at start.
 */
public final class SecretFiles {
    public static final String FLEET_KEY = "fleet.key";
    /** The fleet key before the last rotation and when it stops verifying: {@code key=<hex>} and {@code expires-at=}. */
    public static final String FLEET_KEY_PREVIOUS = "fleet.key.previous";
    public static final String ADMIN_TOKEN = "admin.token";
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFiles() {
    }

    /** The 32-byte fleet key, generated on first use. Stored as hex text. */
    public static byte[] fleetKey(Path dataDir) {
        String text = readOrCreate(dataDir.resolve(FLEET_KEY), () -> HexFormat.of().formatHex(randomBytes(32)));
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(dataDir.resolve(FLEET_KEY) + " is not a hex-encoded key", e);
        }
    }

    /** The key before the last rotation, if its file exists (expired or not: the caller compares with its clock). */
    public static java.util.Optional<PreviousFleetKey> previousFleetKey(Path dataDir) {
        Path file = dataDir.resolve(FLEET_KEY_PREVIOUS);
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        try {
            narrowPermissions(file);
            java.util.Properties p = new java.util.Properties();
            try (var in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                p.load(in);
            }
            return java.util.Optional.of(new PreviousFleetKey(HexFormat.of().parseHex(p.getProperty("key", "")),
                    java.time.Instant.parse(p.getProperty("expires-at", ""))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is not a key=<hex> / expires-at=<ISO-8601> file; delete it to "
                    + "end the overlap window", e);
        }
    }

    /**
     * Records a rotation: first the old key as the previous one (so a crash between the two writes leaves the old key
     * verifying under both names), then the new current key. Each file is written to a temporary owner-only file,
     * fsync'ed and moved into place atomically.
     */
    public static void rotateFleetKey(Path dataDir, byte[] oldKey, java.time.Instant oldKeyExpiresAt, byte[] newKey) {
        writeAtomically(dataDir.resolve(FLEET_KEY_PREVIOUS), "# the fleet key before the last rotation\n"
                + "key=" + HexFormat.of().formatHex(oldKey) + "\nexpires-at=" + oldKeyExpiresAt + "\n");
        writeAtomically(dataDir.resolve(FLEET_KEY), HexFormat.of().formatHex(newKey) + "\n");
    }

    /**
     * The key before the last rotation.
     *
     * @param expiresAt when it stops verifying device tokens
     */
    public record PreviousFleetKey(byte[] key, java.time.Instant expiresAt) {
        @Override
        public String toString() {
            return "PreviousFleetKey[key=<redacted>, expiresAt=" + expiresAt + "]";
        }
    }

    /** The admin bearer token, generated on first use. */
    public static String adminToken(Path dataDir) {
        return readOrCreate(dataDir.resolve(ADMIN_TOKEN), SecretFiles::newToken);
    }

    /** A fresh random token: 32 bytes, URL-safe base64 without padding (43 characters). */
    public static String newToken() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String readOrCreate(Path file, java.util.function.Supplier<String> generator) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, generator.get() + "\n", StandardCharsets.US_ASCII,
                            StandardOpenOption.TRUNCATE_EXISTING);
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first; read theirs
                } catch (UnsupportedOperationException noPosix) {
                    Files.writeString(file, generator.get() + "\n", StandardCharsets.US_ASCII);
                }
            }
            narrowPermissions(file);
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (text.isEmpty()) {
                throw new IllegalStateException(file + " is empty; delete it to generate a new secret");
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
        }
    }

    /** A secret file that group or others may read (copied in by hand, restored from a backup) is narrowed to 0600. */
    private static void narrowPermissions(Path file) throws IOException {
        try {
            var current = Files.getPosixFilePermissions(file);
            if (!current.equals(OWNER_ONLY) && !OWNER_ONLY.containsAll(current)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                org.slf4j.LoggerFactory.getLogger(SecretFiles.class).warn(
                        "{} was readable beyond its owner ({}); narrowed to rw-------", file,
                        PosixFilePermissions.toString(current));
            }
        } catch (UnsupportedOperationException noPosix) {
            // not a POSIX file system: nothing to narrow
        }
    }

    private static void writeAtomically(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException noPosix) {
                Files.createFile(tmp);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
