package io.connmgr.protocol.wire;

/**
 * Framing constants of the device link (see docs/protocol.md).
 *
 * <p>A frame is a 4-byte header, {@code type:u8 length:u24} big-endian, followed by {@code length} payload bytes.
 */
public final class Wire {
    public static final int HEADER_BYTES = 4;
    /** Largest payload the 24-bit length field can express. */
    public static final int MAX_LENGTH_FIELD = 0xFF_FFFF;
    /** Default enforced payload limit; configurable per listener up to {@link #MAX_LENGTH_FIELD}. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 1024 * 1024;
    /** The only protocol version this implementation speaks. */
    public static final int PROTOCOL_VERSION = 1;
    /** First two payload bytes of HELLO ("CM"), so a stray client of another protocol is told apart at once. */
    public static final int HELLO_MAGIC = 0x434D;
    public static final int MAX_DEVICE_ID_BYTES = 128;
    public static final int MAX_CREDENTIAL_BYTES = 255;
    public static final int RESUME_TOKEN_BYTES = 16;
    /** One-time tokens of data connections (STREAM_OPEN, CONNECT_REQUEST, STREAM_ATTACH) are 1..32 bytes. */
    public static final int MAX_STREAM_TOKEN_BYTES = 32;
    /** Stream windows start at 256 KiB: large enough for a 100 ms link at 20 Mbit/s, configurable per side. */
    public static final int DEFAULT_STREAM_WINDOW = 256 * 1024;

    /**
     * PING and PONG are fixed byte strings so a parked connection can be answered by comparing bytes, without a
     * decoder. Callers must not modify these arrays; use {@link #ping()}/{@link #pong()} for a private copy.
     */
    static final byte[] PING = {(byte) 0x05, 0, 0, 0};
    static final byte[] PONG = {(byte) 0x06, 0, 0, 0};

    public static byte[] ping() {
        return PING.clone();
    }

    public static byte[] pong() {
        return PONG.clone();
    }

    private Wire() {
    }
}
