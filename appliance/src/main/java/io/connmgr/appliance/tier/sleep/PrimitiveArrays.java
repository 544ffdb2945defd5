package io.connmgr.appliance.tier.sleep;

/** Heap footprint of primitive arrays, for the table-size metric. */
final class PrimitiveArrays {
    /** Mark word, length and alignment padding; 16 bytes with or without compact object headers. */
    private static final long ARRAY_HEADER_BYTES = 16;

    private PrimitiveArrays() {
    }

    static long longArrayBytes(int length) {
        return ARRAY_HEADER_BYTES + 8L * length;
    }

    static long intArrayBytes(int length) {
        return align8(ARRAY_HEADER_BYTES + 4L * length);
    }

    private static long align8(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
