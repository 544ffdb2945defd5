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
 * are created owner-only and never rewritten, so a restart keeps every issued token valid.
 */
public final class SecretFiles {
    public static final String FLEET_KEY = "fleet.key";
    public static final String ADMIN_TOKEN = "admin.token";
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
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (text.isEmpty()) {
                throw new IllegalStateException(file + " is empty; delete it to generate a new secret");
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
        }
    }
}
