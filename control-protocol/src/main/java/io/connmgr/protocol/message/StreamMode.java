package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.CodeTable;

/** How the bytes of a stream travel, chosen by the side that opens it (STREAM_OPEN mode byte). */
public enum StreamMode {
    /** STREAM_DATA frames on the device connection, with per-stream windows. */
    MULTIPLEXED(0),
    /** A dedicated TCP connection the device dials, presenting the one-time token in STREAM_ATTACH. */
    DATA_CONNECTION(1);

    private static final CodeTable<StreamMode> BY_CODE = CodeTable.of(values(), StreamMode::code);

    private final int code;

    StreamMode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The mode with that code, or {@code null} when unassigned. */
    public static StreamMode fromCode(int code) {
        return BY_CODE.get(code);
    }
}
