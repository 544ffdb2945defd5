package io.connmgr.appliance.store.serial;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Appends the primitives of the record formats to a growing byte array.
 *
 * <p>Longs are written as zig-zag LEB128 varints: most stored numbers (sequence numbers, small keys, time deltas)
 * fit in one to three bytes instead of eight, and with millions of records that is most of the store.
 */
final class RecordWriter {

    private byte[] buf;
    private int size;

    RecordWriter(int expectedSize) {
        buf = new byte[expectedSize];
    }

    RecordWriter writeByte(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    RecordWriter writeBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
        return this;
    }

    RecordWriter writeVarLong(long value) {
        long zigzag = (value << 1) ^ (value >> 63);
        ensure(10);
        while ((zigzag & ~0x7FL) != 0) {
            buf[size++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        buf[size++] = (byte) zigzag;
        return this;
    }

    /** A varint byte length followed by the UTF-8 bytes. */
    RecordWriter writeString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        writeVarLong(utf8.length);
        return writeBytes(utf8);
    }

    byte[] toByteArray() {
        return buf.length == size ? buf : Arrays.copyOf(buf, size);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
