package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.ApplianceStore;
import java.nio.charset.StandardCharsets;

/**
 * Device ids as store keys: their UTF-8 bytes, so that the bytewise key order is code point order.
 *
 * <p>Validation here is deliberately loose (the protocol layer owns the real rules); it only keeps keys bounded and
 * reversible: an unpaired surrogate would encode to '?' and two ids would share a key.
 */
final class DeviceIdKeys {

    private DeviceIdKeys() {
    }

    static byte[] encode(String deviceId) {
        if (deviceId == null || deviceId.isEmpty()) {
            throw new IllegalArgumentException("device id must not be empty");
        }
        requireWellFormed(deviceId);
        byte[] key = deviceId.getBytes(StandardCharsets.UTF_8);
        if (key.length > ApplianceStore.MAX_DEVICE_ID_BYTES) {
            throw new IllegalArgumentException("device id is " + key.length + " bytes of UTF-8, the limit is "
                    + ApplianceStore.MAX_DEVICE_ID_BYTES);
        }
        return key;
    }

    static String decode(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    private static void requireWellFormed(String deviceId) {
        for (int i = 0; i < deviceId.length(); i++) {
            char c = deviceId.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < deviceId.length()
                    && Character.isLowSurrogate(deviceId.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("device id has an unpaired surrogate at index " + i);
            }
        }
    }
}
