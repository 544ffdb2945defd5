package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.FrameType;

import java.util.HexFormat;

/** Readable byte literals for decoder tests: hex with spaces and {@code |} as field separators. */
public final class TestBytes {
    private TestBytes() {
    }

    public static byte[] hex(String grouped) {
        return HexFormat.of().parseHex(grouped.replaceAll("[\\s|]", ""));
    }

    /** A frame of {@code type} whose header announces exactly the given payload. */
    public static byte[] frame(int typeCode, String payloadHex) {
        byte[] payload = hex(payloadHex);
        byte[] frame = new byte[4 + payload.length];
        frame[0] = (byte) typeCode;
        frame[1] = (byte) (payload.length >>> 16);
        frame[2] = (byte) (payload.length >>> 8);
        frame[3] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    public static byte[] frame(FrameType type, String payloadHex) {
        return frame(type.code(), payloadHex);
    }

    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** {@code length} as the one-byte length prefix followed by the UTF-8 bytes, in hex. */
    public static String shortBytes(byte[] bytes) {
        return "%02x %s".formatted(bytes.length, HexFormat.of().formatHex(bytes));
    }
}
