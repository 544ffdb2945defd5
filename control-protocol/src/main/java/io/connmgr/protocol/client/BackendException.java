package io.connmgr.protocol.client;

import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.wire.ReasonCode;

/**
 * Why a control-channel request failed, as a type: futures of {@link BackendClient} complete exceptionally with one of
 * the nested subclasses, so callers can {@code catch} or {@code instanceof} the outcome they handle.
 */
public class BackendException extends RuntimeException {
    private final BackendStatus status;

    public BackendException(BackendStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The RESULT status that caused this, or {@code null} for channel-level failures. */
    public BackendStatus status() {
        return status;
    }

    /** The right exception type for a non-OK RESULT. */
    static BackendException of(BackendStatus status, String detail) {
        String message = detail.isEmpty() ? status.description() : detail;
        return switch (status) {
            case UNKNOWN_DEVICE -> new UnknownDevice(message);
            case OFFLINE -> new Offline(message);
            case TIMEOUT -> new Timeout(message);
            case RPC_ERROR -> new RpcError(message);
            case QUEUE_FULL -> new QueueFull(message);
            case NOT_SUPPORTED -> new NotSupported(message);
            case OK, NO_HANDLER, INVALID_REQUEST, NOT_EXPOSED, REFUSED, UNREACHABLE, TOO_MANY_STREAMS, UNAVAILABLE,
                 INTERNAL_ERROR -> new BackendException(status, message);
        };
    }

    public static final class UnknownDevice extends BackendException {
        public UnknownDevice(String message) {
            super(BackendStatus.UNKNOWN_DEVICE, message);
        }
    }

    public static final class Offline extends BackendException {
        public Offline(String message) {
            super(BackendStatus.OFFLINE, message);
        }
    }

    public static final class Timeout extends BackendException {
        public Timeout(String message) {
            super(BackendStatus.TIMEOUT, message);
        }
    }

    /** The device's handler failed; the message is its error text. */
    public static final class RpcError extends BackendException {
        public RpcError(String message) {
            super(BackendStatus.RPC_ERROR, message);
        }
    }

    public static final class QueueFull extends BackendException {
        public QueueFull(String message) {
            super(BackendStatus.QUEUE_FULL, message);
        }
    }

    public static final class NotSupported extends BackendException {
        public NotSupported(String message) {
            super(BackendStatus.NOT_SUPPORTED, message);
        }
    }

    /** The appliance refused the HELLO or ended the channel (GOAWAY). */
    public static final class Refused extends BackendException {
        private final ReasonCode reason;

        public Refused(ReasonCode reason, String message) {
            super(null, reason + ": " + message);
            this.reason = reason;
        }

        public ReasonCode reason() {
            return reason;
        }
    }

    /** The channel was not connected, or broke before the answer came; the request may or may not have run. */
    public static final class Disconnected extends BackendException {
        public Disconnected(String message) {
            super(null, message);
        }
    }
}
