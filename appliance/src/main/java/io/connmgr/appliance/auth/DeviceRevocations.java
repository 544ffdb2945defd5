package io.connmgr.appliance.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Devices whose credentials an operator revoked: a HELLO for one of them gets REJECT REVOKED whatever it presents, its
 * own token or a fleet-signed one (a fleet token cannot be withdrawn for one device any other way). Re-provisioning
 * the device lifts the revocation: the operator has issued it a new token on purpose.
 *
 * <p>Kept in memory for the handshake and in {@value #FILE} in the data dir (one device id per line; ids have no
 * whitespace), rewritten atomically and fsync'ed on every change before the change takes effect. Revocations are rare
 * operator acts, so a whole-file rewrite is cheap enough.
 */
public final class DeviceRevocations {
    public static final String FILE = "revoked-devices";

    private final Path file;
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    private DeviceRevocations(Path file) {
        this.file = file;
    }

    public static DeviceRevocations load(Path dataDir) {
        DeviceRevocations r = new DeviceRevocations(dataDir.resolve(FILE));
        try {
            if (Files.exists(r.file)) {
                for (String line : Files.readAllLines(r.file, StandardCharsets.UTF_8)) {
                    String id = line.strip();
                    if (!id.isEmpty() && !id.startsWith("#")) {
                        r.revoked.add(id);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + r.file + ": " + e.getMessage(), e);
        }
        return r;
    }

    public boolean isRevoked(String deviceId) {
        return revoked.contains(deviceId);
    }

    /** @return false when it was already revoked. Blocks on an fsync. */
    public synchronized boolean revoke(String deviceId) {
        if (revoked.contains(deviceId)) {
            return false;
        }
        TreeSet<String> next = new TreeSet<>(revoked);
        next.add(deviceId);
        write(next);
        revoked.add(deviceId);
        return true;
    }

    /** @return whether it was revoked. Blocks on an fsync. */
    public synchronized boolean reinstate(String deviceId) {
        if (!revoked.contains(deviceId)) {
            return false;
        }
        TreeSet<String> next = new TreeSet<>(revoked);
        next.remove(deviceId);
        write(next);
        revoked.remove(deviceId);
        return true;
    }

    public List<String> list() {
        return List.copyOf(new TreeSet<>(revoked));
    }

    private void write(Set<String> ids) {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(StandardCharsets.UTF_8.encode("# devices whose credentials are revoked, one id per line\n"
                        + String.join("\n", ids) + (ids.isEmpty() ? "" : "\n")));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
