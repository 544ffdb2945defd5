package io.connmgr.appliance.store.rocksdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keys of the messaging families. A device id never contains control characters, so a 0x00 or 0x01 byte after it
 * cannot be part of another id: every record of one device shares a prefix and sorts together.
 *
 * <pre>
 * messages:       id 0x00 position(u64 big-endian)  queued message, in queue order
 *                 id 0x01                            the device's queue meta
 * message_status: id 0x00 messageId(UTF-8)
 * message_keys:   id 0x00 idempotencyKey(UTF-8)
 * </pre>
 */
final class MessageKeys {
    static final byte ENTRY = 0x00;
    static final byte META = 0x01;

    private MessageKeys() {
    }

    static byte[] prefix(String deviceId) {
        return tagged(deviceId, ENTRY);
    }

    static byte[] entry(String deviceId, long position) {
        byte[] p = prefix(deviceId);
        return ByteBuffer.allocate(p.length + Long.BYTES).put(p).putLong(position).array();
    }

    static byte[] meta(String deviceId) {
        return tagged(deviceId, META);
    }

    static byte[] named(String deviceId, String name) {
        byte[] p = prefix(deviceId);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = Arrays.copyOf(p, p.length + n.length);
        System.arraycopy(n, 0, k, p.length, n.length);
        return k;
    }

    /** The smallest key after every key of the device (0x02 sorts after both tags and before any id character). */
    static byte[] past(String deviceId) {
        return tagged(deviceId, (byte) 0x02);
    }

    /** The device id followed by one tag byte. */
    private static byte[] tagged(String deviceId, byte tag) {
        byte[] id = id(deviceId);
        byte[] k = Arrays.copyOf(id, id.length + 1);
        k[id.length] = tag;
        return k;
    }

    private static byte[] id(String deviceId) {
        byte[] id = DeviceIdKeys.encode(deviceId);
        for (byte b : id) {
            if (b == ENTRY || b == META) {
                throw new IllegalArgumentException("device id must not contain control characters");
            }
        }
        return id;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    static long position(byte[] key) {
        return ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
    }

    /** The device id of any messaging key: the bytes before the first 0x00 or 0x01. */
    static String deviceId(byte[] key) {
        int end = 0;
        while (end < key.length && key[end] != ENTRY && key[end] != META) {
            end++;
        }
        return new String(key, 0, end, StandardCharsets.UTF_8);
    }

    static String name(byte[] key) {
        int end = 0;
        while (end < key.length && key[end] != ENTRY) {
            end++;
        }
        return new String(key, end + 1, key.length - end - 1, StandardCharsets.UTF_8);
    }
}
