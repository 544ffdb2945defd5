package io.connmgr.appliance.store.rocksdb;

import java.nio.ByteBuffer;

/**
 * Keys of the device-key index: the 64-bit device key as 8 big-endian bytes. Fixed width keeps them short and
 * one lookup exact; the values are device id keys as made by {@link DeviceIdKeys}.
 */
final class SessionKeys {

    private SessionKeys() {
    }

    static byte[] encode(long deviceKey) {
        return ByteBuffer.allocate(Long.BYTES).putLong(deviceKey).array();
    }
}
