package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;

/** A frame that cannot be decoded; carries the reason code to send back. Stack traces are not needed. */
public final class MalformedFrameException extends Exception {
    private final ReasonCode reason;

    public MalformedFrameException(ReasonCode reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public ReasonCode reason() {
        return reason;
    }
}
