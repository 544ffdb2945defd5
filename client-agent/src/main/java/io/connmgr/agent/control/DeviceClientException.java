package io.connmgr.agent.control;

/**
 * Why a {@link DeviceClient#send} or {@link DeviceClient#command} future failed. Expected outcomes, not bugs, so no
 * stack trace is captured.
 */
public class DeviceClientException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** The client was closed before the appliance acknowledged. */
        CLOSED,
        /** No connection to the appliance at the moment; commands are not queued. */
        NOT_CONNECTED,
        /** The connection was lost before the appliance answered the command. */
        CONNECTION_LOST,
        /** Too many messages are waiting for acknowledgement, or too many commands for an answer. */
        BACKPRESSURE,
        /** The payload does not fit in one frame. */
        TOO_LARGE
    }

    private final Kind kind;

    public DeviceClientException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
