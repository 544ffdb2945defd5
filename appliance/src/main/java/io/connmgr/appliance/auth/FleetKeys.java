package io.connmgr.appliance.auth;

import io.connmgr.appliance.session.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The fleet keys that verify fleet-signed device tokens: the current key, and after a rotation the previous key until
 * its overlap window ends. During the window a device may present a token of either key, so a fleet can be re-tokened
 * at its own pace; afterwards only the current key's tokens verify. The state lives in the data dir
 * ({@link SecretFiles#FLEET_KEY}, {@link SecretFiles#FLEET_KEY_PREVIOUS}), so a restart keeps the window.
 *
 * <p>Every successful verification is counted by the key that matched ({@code cm.auth.fleet_key.verified}), so an
 * operator sees when devices stop using the old key. Thread-safe: a rotation swaps one immutable snapshot.
 */
public final class FleetKeys {
    /** The longest overlap a rotation may ask for. */
    public static final Duration MAX_OVERLAP = Duration.ofDays(90);
    public static final int KEY_BYTES = 32;

    /** Which key verified a token. */
    public enum Match { CURRENT, PREVIOUS, NONE }

    private record Keys(FleetTokens current, String currentFingerprint, FleetTokens previous,
                        String previousFingerprint, Instant previousExpiresAt) {
    }

    private final Path dataDir;
    private final TimeSource time;
    private final Counter verifiedCurrent;
    private final Counter verifiedPrevious;
    private volatile Keys keys;

    private FleetKeys(Path dataDir, TimeSource time, MeterRegistry registry, Keys keys) {
        this.dataDir = dataDir;
        this.time = time;
        this.keys = keys;
        this.verifiedCurrent = verifiedCounter(registry, "current");
        this.verifiedPrevious = verifiedCounter(registry, "previous");
    }

    /** Loads the keys from the data dir, generating the current key on first start. */
    public static FleetKeys load(Path dataDir, TimeSource time, MeterRegistry registry) {
        byte[] current = SecretFiles.fleetKey(dataDir);
        Optional<SecretFiles.PreviousFleetKey> previous = SecretFiles.previousFleetKey(dataDir);
        return new FleetKeys(dataDir, time, registry, keys(current, previous.map(SecretFiles.PreviousFleetKey::key)
                .orElse(null), previous.map(SecretFiles.PreviousFleetKey::expiresAt).orElse(null)));
    }

    /** Which key, if any, signed {@code credential} for {@code deviceId}. Constant time per key tried. */
    public Match verify(String deviceId, byte[] credential) {
        Keys k = keys;
        if (k.current.verify(deviceId, credential)) {
            verifiedCurrent.increment();
            return Match.CURRENT;
        }
        if (k.previous != null && Instant.ofEpochMilli(time.currentTimeMillis()).isBefore(k.previousExpiresAt)
                && k.previous.verify(deviceId, credential)) {
            verifiedPrevious.increment();
            return Match.PREVIOUS;
        }
        return Match.NONE;
    }

    /** Mints a token with the current key (tests and tooling). */
    public String mint(String deviceId) {
        return keys.current.mint(deviceId);
    }

    /**
     * Generates a new current key; the old one keeps verifying for {@code overlap} (zero: not at all). A previous key
     * still in its window is dropped: only the key just replaced overlaps. Written to disk before it takes effect.
     *
     * @return the new key, the only time it is handed out other than by reading the data dir
     */
    public synchronized Rotation rotate(Duration overlap) {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw new IllegalArgumentException("overlap must be 0.." + MAX_OVERLAP.toDays() + "d, was " + overlap);
        }
        byte[] old = SecretFiles.fleetKey(dataDir);
        byte[] fresh = SecretFiles.randomBytes(KEY_BYTES);
        Instant expiresAt = Instant.ofEpochMilli(time.currentTimeMillis()).plus(overlap);
        SecretFiles.rotateFleetKey(dataDir, old, expiresAt, fresh);
        keys = keys(fresh, old, expiresAt);
        return new Rotation(HexFormat.of().formatHex(fresh), keys.currentFingerprint, keys.previousFingerprint,
                expiresAt);
    }

    /** What an operator may see about the keys: fingerprints and the window, never a key. */
    public Status status() {
        Keys k = keys;
        boolean inWindow = k.previous != null
                && Instant.ofEpochMilli(time.currentTimeMillis()).isBefore(k.previousExpiresAt);
        return new Status(k.currentFingerprint, inWindow ? k.previousFingerprint : null,
                inWindow ? k.previousExpiresAt : null);
    }

    /**
     * @param key                  the new key, lowercase hex
     * @param fingerprint          identifies the new key without revealing it
     * @param previousFingerprint  the replaced key's fingerprint
     * @param previousExpiresAt    when the replaced key stops verifying
     */
    public record Rotation(String key, String fingerprint, String previousFingerprint, Instant previousExpiresAt) {
        @Override
        public String toString() {
            return "Rotation[key=<redacted>, fingerprint=" + fingerprint + ", previousFingerprint="
                    + previousFingerprint + ", previousExpiresAt=" + previousExpiresAt + "]";
        }
    }

    /** @param previousFingerprint null when no previous key verifies any more */
    public record Status(String fingerprint, String previousFingerprint, Instant previousExpiresAt) {
    }

    /** The first 16 hex digits of SHA-256 over the key: names a key in logs and the API without revealing it. */
    public static String fingerprint(byte[] key) {
        return HexFormat.of().formatHex(TokenHash.of(key), 0, 8);
    }

    private static Keys keys(byte[] current, byte[] previous, Instant previousExpiresAt) {
        return new Keys(new FleetTokens(current), fingerprint(current),
                previous == null ? null : new FleetTokens(previous),
                previous == null ? null : fingerprint(previous), previousExpiresAt);
    }

    private static Counter verifiedCounter(MeterRegistry registry, String key) {
        return Counter.builder("cm.auth.fleet_key.verified")
                .description("Fleet-signed device tokens accepted, by the key that verified them")
                .tag("key", key).register(registry);
    }
}
