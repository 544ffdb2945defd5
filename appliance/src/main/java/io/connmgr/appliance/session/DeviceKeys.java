package io.connmgr.appliance.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The 64-bit key that stands for a device id wherever a string would cost too much, above all in the sleep table.
 * Derived, not assigned, so nothing has to remember the mapping in memory; at 64 bits a collision among millions of
 * devices is vanishingly unlikely, and the store's key index is checked on wake anyway.
 */
public final class DeviceKeys {
    private DeviceKeys() {
    }

    public static long of(String deviceId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(deviceId.getBytes(StandardCharsets.UTF_8));
            long key = ByteBuffer.wrap(digest).getLong();
            // 0 marks an empty slot in the sleep table's primitive map.
            return key == 0 ? 1 : key;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
