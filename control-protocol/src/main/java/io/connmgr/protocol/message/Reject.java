package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;

import java.util.Objects;

/**
 * The appliance refuses the connection; it closes right after sending this.
 *
 * @param reasonCode raw reason byte, kept so a code newer than this implementation survives a round trip
 * @param message    human-readable detail, UTF-8, never a stack trace
 */
public record Reject(int reasonCode, String message) implements Frame {

    public Reject {
        Objects.requireNonNull(message, "message");
    }

    public Reject(ReasonCode reason, String message) {
        this(reason.code(), message);
    }

    /** The reason, or {@code null} when the code is not one this implementation knows. */
    public ReasonCode reason() {
        return ReasonCode.fromCode(reasonCode);
    }

    @Override
    public FrameType type() {
        return FrameType.REJECT;
    }
}
