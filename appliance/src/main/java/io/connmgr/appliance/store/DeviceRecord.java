package io.connmgr.appliance.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * A registered device's credentials.
 *
 * @param deviceId        the device (also the store key)
 * @param tokenHash       SHA-256 of the device's token, exactly {@value #TOKEN_HASH_LENGTH} bytes; the token itself is
 *                        never stored
 * @param createdAtMillis when the device was registered
 */
public record DeviceRecord(String deviceId, byte[] tokenHash, long createdAtMillis) {

    public static final int TOKEN_HASH_LENGTH = 32;

    public DeviceRecord {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(tokenHash, "tokenHash");
        if (tokenHash.length != TOKEN_HASH_LENGTH) {
            throw new IllegalArgumentException(
                    "tokenHash must be " + TOKEN_HASH_LENGTH + " bytes (SHA-256), was " + tokenHash.length);
        }
        tokenHash = tokenHash.clone();
    }

    @Override
    public byte[] tokenHash() {
        return tokenHash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceRecord other
                && deviceId.equals(other.deviceId)
                && Arrays.equals(tokenHash, other.tokenHash)
                && createdAtMillis == other.createdAtMillis;
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(deviceId, createdAtMillis) + Arrays.hashCode(tokenHash);
    }

    /** Leaves the hash out: logs need not help anyone brute-force a token. */
    @Override
    public String toString() {
        return "DeviceRecord[deviceId=" + deviceId + ", createdAtMillis=" + createdAtMillis + "]";
    }
}
