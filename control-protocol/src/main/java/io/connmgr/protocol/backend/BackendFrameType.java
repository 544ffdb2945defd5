package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.CodeTable;
import io.connmgr.protocol.wire.FrameType;

/**
 * Every frame type of the back-end control channel, in one place (docs/protocol.md section 14).
 *
 * <p>The channel uses the device link's framing but its own type table: codes 0x40–0x4F, which {@link FrameType}
 * lists as reserved so a device link keeps refusing them. Code 0x47 stays unassigned on purpose: it is the first byte
 * of an HTTP {@code GET}, which is then refused as a protocol error at once.
 */
public enum BackendFrameType {
    HELLO(0x40, Direction.BACKEND_TO_APPLIANCE),
    WELCOME(0x41, Direction.APPLIANCE_TO_BACKEND),
    SEND(0x42, Direction.BACKEND_TO_APPLIANCE),
    SUBSCRIBE(0x43, Direction.BACKEND_TO_APPLIANCE),
    EVENT(0x44, Direction.APPLIANCE_TO_BACKEND),
    SETTINGS(0x45, Direction.BACKEND_TO_APPLIANCE),
    RESULT(0x46, Direction.APPLIANCE_TO_BACKEND),
    RPC(0x48, Direction.BACKEND_TO_APPLIANCE),
    UNSUBSCRIBE(0x49, Direction.BACKEND_TO_APPLIANCE),
    PING(0x4A, Direction.BOTH),
    GOAWAY(0x4B, Direction.APPLIANCE_TO_BACKEND),
    STREAM_OPEN(0x4C, Direction.BACKEND_TO_APPLIANCE),
    STREAM_DATA(0x4D, Direction.BOTH),
    STREAM_WINDOW(0x4E, Direction.BOTH),
    STREAM_RESET(0x4F, Direction.BOTH);

    /** Who may send a frame of this type on the control channel. */
    public enum Direction { BACKEND_TO_APPLIANCE, APPLIANCE_TO_BACKEND, BOTH }

    public static final int FIRST_CODE = 0x40;
    public static final int LAST_CODE = 0x4F;
    private static final CodeTable<BackendFrameType> BY_CODE = CodeTable.of(values(), BackendFrameType::code);

    static {
        for (BackendFrameType t : values()) {
            if (t.code < FIRST_CODE || t.code > LAST_CODE) {
                throw new IllegalStateException("back-end frame type " + t + " outside 0x40..0x4F");
            }
        }
    }

    private final int code;
    private final Direction direction;

    BackendFrameType(int code, Direction direction) {
        this.code = code;
        this.direction = direction;
    }

    public int code() {
        return code;
    }

    public Direction direction() {
        return direction;
    }

    /** True when the appliance may receive this type from a back-end. */
    public boolean fromBackend() {
        return direction != Direction.APPLIANCE_TO_BACKEND;
    }

    /** True when a back-end may receive this type from the appliance. */
    public boolean fromAppliance() {
        return direction != Direction.BACKEND_TO_APPLIANCE;
    }

    /** The type with that code, or {@code null} when the code is unassigned on the control channel. */
    public static BackendFrameType fromCode(int code) {
        return BY_CODE.get(code);
    }
}
