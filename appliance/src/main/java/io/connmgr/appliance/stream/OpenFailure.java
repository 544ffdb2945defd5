package io.connmgr.appliance.stream;

import io.connmgr.protocol.wire.StreamStatus;

import java.util.Locale;

/** Why a back-end's request for a device's port did not become a stream; each proxy protocol maps it to its codes. */
public enum OpenFailure {
    /** Not provisioned, no session, and it did not connect within connect-wait. */
    UNKNOWN_DEVICE,
    /** Known (device record or stored session) but not connected within connect-wait. */
    DEVICE_OFFLINE,
    /** The device does not expose that port. */
    NOT_EXPOSED,
    /** The device's local service refused the connection. */
    REFUSED,
    /** The device's local service, or the device, did not answer in time. */
    UNREACHABLE,
    /** The device's concurrent-stream limit is reached. */
    TOO_MANY_STREAMS,
    /** The device announced no way of carrying a stream (no STREAMS, DATA_CONNECTIONS or CONNECT_REQUESTS). */
    NOT_SUPPORTED,
    /** Anything else: the device failed the stream, or its link ended meanwhile. */
    FAILED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    static OpenFailure of(StreamStatus status) {
        return switch (status) {
            case NOT_EXPOSED, UNKNOWN_SERVICE -> NOT_EXPOSED;
            case REFUSED -> REFUSED;
            case UNREACHABLE -> UNREACHABLE;
            case TOO_MANY_STREAMS -> TOO_MANY_STREAMS;
            case NOT_SUPPORTED -> NOT_SUPPORTED;
            case OK, FAILED, CANCELLED, FLOW_CONTROL_ERROR -> FAILED;
        };
    }
}
