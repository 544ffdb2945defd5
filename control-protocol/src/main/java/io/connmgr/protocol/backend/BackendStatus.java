package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.CodeTable;

import java.util.Locale;

/**
 * Outcome of a request on the control channel, carried by RESULT. One table for every request type; each request
 * lists the statuses it can get (docs/protocol.md section 14.6). Bodies of non-OK results are UTF-8 detail text.
 */
public enum BackendStatus {
    OK(0x00, "done"),
    UNKNOWN_DEVICE(0x01, "no such device"),
    OFFLINE(0x02, "the device is not connected"),
    QUEUE_FULL(0x03, "the device's downlink queue is full"),
    TIMEOUT(0x04, "the device did not answer in time"),
    RPC_ERROR(0x05, "the device's handler failed"),
    NO_HANDLER(0x06, "the device has no handler for the method"),
    NOT_SUPPORTED(0x07, "the appliance does not offer this operation"),
    INVALID_REQUEST(0x08, "a field of the request is out of range"),
    NOT_EXPOSED(0x09, "the device does not expose that port"),
    REFUSED(0x0A, "the device-side service refused the connection"),
    UNREACHABLE(0x0B, "the device-side service did not answer"),
    TOO_MANY_STREAMS(0x0C, "too many concurrent streams"),
    UNAVAILABLE(0x0D, "the appliance cannot take the request now; retry later"),
    INTERNAL_ERROR(0x0E, "internal error");

    private static final CodeTable<BackendStatus> BY_CODE = CodeTable.of(values(), BackendStatus::code);

    private final int code;
    private final String description;

    BackendStatus(int code, String description) {
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
    public static BackendStatus fromCode(int code) {
        return BY_CODE.get(code);
    }

    /** Metric tag value: lower-case name. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
