package io.connmgr.protocol.wire;

/** Why a connection is refused or ended: carried by REJECT and GOAWAY, and used as a metric tag. */
public enum ReasonCode {
    PROTOCOL_ERROR(0x01, "malformed frame"),
    UNSUPPORTED_VERSION(0x02, "protocol version not supported"),
    BAD_CREDENTIALS(0x03, "credential not valid for this device"),
    UNKNOWN_DEVICE(0x04, "device is not provisioned"),
    FRAME_TOO_LARGE(0x05, "frame exceeds the maximum frame size"),
    HANDSHAKE_TIMEOUT(0x06, "no HELLO before the handshake deadline"),
    REPLACED(0x07, "a newer connection for this device took over"),
    SHUTTING_DOWN(0x08, "appliance is shutting down"),
    OVERLOADED(0x09, "appliance is over capacity, retry later"),
    ADMIN_DISCONNECT(0x0A, "disconnected by an operator"),
    SILENT(0x0B, "no keep-alive within the allowed interval"),
    UNEXPECTED_FRAME(0x0C, "frame not allowed in this state"),
    INVALID_DEVICE_ID(0x0D, "device id is empty, too long or not valid UTF-8"),
    RATE_LIMITED(0x0E, "too many attempts, retry later"),
    REVOKED(0x0F, "credential revoked"),
    INTERNAL_ERROR(0x10, "internal error"),
    UNKNOWN_FRAME_TYPE(0x11, "frame type not supported"),
    SESSION_EXPIRED(0x12, "session expired");

    private static final CodeTable<ReasonCode> BY_CODE = CodeTable.of(values(), ReasonCode::code);

    private final int code;
    private final String description;

    ReasonCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The reason with that code, or {@code null} when unassigned (a newer peer may send codes we do not know). */
    public static ReasonCode fromCode(int code) {
        return BY_CODE.get(code);
    }

    /** Metric tag value: lower-case name. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
