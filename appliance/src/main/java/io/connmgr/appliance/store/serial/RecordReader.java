package io.connmgr.appliance.store.serial;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the primitives written by {@link RecordWriter}, failing with a {@link RecordFormatException} that names the
 * record (e.g. "session record of device 'abc'") instead of an index-out-of-bounds.
 */
final class RecordReader {

    private final byte[] buf;
    private final String what;
    private int pos;

    RecordReader(byte[] buf, String what) {
        this.buf = buf;
        this.what = what;
    }

    /**
     * Reads the leading format-version byte and checks it is one this build knows.
     */
    int readVersion(int newestKnown) {
        if (buf.length == 0) {
            throw fail("is empty");
        }
        int version = readUnsignedByte();
        if (version < 1 || version > newestKnown) {
            throw fail("has unknown format version " + version + " (this build reads versions 1 to " + newestKnown
                    + ")");
        }
        return version;
    }

    int readUnsignedByte() {
        require(1);
        return buf[pos++] & 0xFF;
    }

    byte[] readBytes(int length) {
        require(length);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + length);
        pos += length;
        return out;
    }

    long readVarLong() {
        long zigzag = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readUnsignedByte();
            // The tenth byte may only carry the single remaining bit; more would overflow 64 bits.
            if (shift == 63 && (b & 0xFE) != 0) {
                throw fail("has a varint longer than 64 bits at offset " + (pos - 1));
            }
            zigzag |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (zigzag >>> 1) ^ -(zigzag & 1);
            }
        }
        throw fail("has a varint longer than 64 bits at offset " + (pos - 1));
    }

    String readString() {
        long length = readVarLong();
        if (length < 0 || length > buf.length - pos) {
            throw fail("has a string length of " + length + " with only " + (buf.length - pos) + " bytes left");
        }
        String value = new String(buf, pos, (int) length, StandardCharsets.UTF_8);
        pos += (int) length;
        return value;
    }

    /** Trailing bytes mean the record is not what its version byte claims. */
    void requireEnd() {
        if (pos != buf.length) {
            throw fail("has " + (buf.length - pos) + " unexpected trailing bytes");
        }
    }

    RecordFormatException fail(String problem) {
        return new RecordFormatException(what + " " + problem);
    }

    private void require(int n) {
        if (n > buf.length - pos) {
            throw fail("is truncated: needs " + n + " more bytes at offset " + pos + " of " + buf.length);
        }
    }
}
