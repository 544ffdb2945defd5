package io.connmgr.protocol.wire;

/**
 * Every frame type of the device link and the back-end control channel, in one place.
 *
 * <p>Codes are dense bytes. Reserved codes are listed so that no future type can reuse them by accident; a peer that
 * receives a reserved type it does not implement rejects it as {@link ReasonCode#UNKNOWN_FRAME_TYPE}.
 */
public enum FrameType {
    HELLO(0x01, Direction.DEVICE_TO_APPLIANCE),
    WELCOME(0x02, Direction.APPLIANCE_TO_DEVICE),
    REJECT(0x03, Direction.APPLIANCE_TO_DEVICE),
    GOAWAY(0x04, Direction.APPLIANCE_TO_DEVICE),
    PING(0x05, Direction.BOTH),
    PONG(0x06, Direction.BOTH),
    MSG(0x07, Direction.BOTH),
    ACK(0x08, Direction.BOTH),
    CMD(0x09, Direction.DEVICE_TO_APPLIANCE),
    CMD_RESULT(0x0A, Direction.APPLIANCE_TO_DEVICE),

    // Streams through the appliance, used only when both sides set the capability bit (STREAMS, DATA_CONNECTIONS,
    // CONNECT_REQUESTS or DEVICE_LINKS).
    STREAM_OPEN(0x20, Direction.BOTH),
    STREAM_OPEN_RESULT(0x21, Direction.BOTH),
    STREAM_DATA(0x22, Direction.BOTH),
    STREAM_WINDOW(0x23, Direction.BOTH),
    STREAM_CLOSE(0x24, Direction.BOTH),
    STREAM_RESET(0x25, Direction.BOTH),
    CONNECT_REQUEST(0x26, Direction.APPLIANCE_TO_DEVICE),
    /** First frame of a data connection instead of HELLO. */
    STREAM_ATTACH(0x27, Direction.DEVICE_TO_APPLIANCE),

    // Request/response between back-end and device (capability RPC).
    RPC_REQUEST(0x30, Direction.APPLIANCE_TO_DEVICE),
    RPC_RESPONSE(0x31, Direction.DEVICE_TO_APPLIANCE),

    // Back-end control channel (servers that know about the appliance).
    BACKEND_HELLO(0x40, Direction.RESERVED),
    BACKEND_WELCOME(0x41, Direction.RESERVED),
    BACKEND_SEND(0x42, Direction.RESERVED),
    BACKEND_SUBSCRIBE(0x43, Direction.RESERVED),
    BACKEND_EVENT(0x44, Direction.RESERVED),
    BACKEND_SETTINGS(0x45, Direction.RESERVED),
    BACKEND_RESULT(0x46, Direction.RESERVED);

    /** Who may send a frame of this type on the device link. */
    public enum Direction { DEVICE_TO_APPLIANCE, APPLIANCE_TO_DEVICE, BOTH, RESERVED }

    private static final CodeTable<FrameType> BY_CODE = CodeTable.of(values(), FrameType::code);

    private final int code;
    private final Direction direction;

    FrameType(int code, Direction direction) {
        this.code = code;
        this.direction = direction;
    }

    public int code() {
        return code;
    }

    public Direction direction() {
        return direction;
    }

    public boolean isReserved() {
        return direction == Direction.RESERVED;
    }

    /** The type with that code, or {@code null} when the code is unassigned. */
    public static FrameType fromCode(int code) {
        return BY_CODE.get(code);
    }
}
