package io.connmgr.protocol.wire;

/**
 * Outcome of a STREAM_OPEN (in STREAM_OPEN_RESULT) and the reason of a STREAM_RESET. Back-end proxies map these to
 * their own protocol's codes (SOCKS5 reply codes, HTTP statuses).
 */
public enum StreamStatus {
    OK(0x00, "stream open"),
    NOT_EXPOSED(0x01, "the device does not expose that port or service"),
    REFUSED(0x02, "the local service refused the connection"),
    UNREACHABLE(0x03, "the local service did not answer in time"),
    TOO_MANY_STREAMS(0x04, "too many concurrent streams on this device"),
    UNKNOWN_SERVICE(0x05, "no back-end service of that name"),
    NOT_SUPPORTED(0x06, "the peer does not support this kind of stream"),
    FAILED(0x07, "the stream failed"),
    CANCELLED(0x08, "the other side went away"),
    FLOW_CONTROL_ERROR(0x09, "data beyond the granted window");

    private static final CodeTable<StreamStatus> BY_CODE = CodeTable.of(values(), StreamStatus::code);

    private final int code;
    private final String description;

    StreamStatus(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The status with that code, or {@code null} when unassigned. */
    public static StreamStatus fromCode(int code) {
        return BY_CODE.get(code);
    }

    /** Metric tag value: lower-case name. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
