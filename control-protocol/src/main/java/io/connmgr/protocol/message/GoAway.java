package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;

import java.util.Objects;

/**
 * The appliance ends an established connection and says when to come back.
 *
 * @param reasonCode           raw reason byte
 * @param reconnectAfterMillis the device should wait at least this long before reconnecting (u32)
 * @param message              human-readable detail
 */
public record GoAway(int reasonCode, long reconnectAfterMillis, String message) implements Frame {

    public GoAway {
        Objects.requireNonNull(message, "message");
        if (reconnectAfterMillis < 0 || reconnectAfterMillis > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("reconnectAfterMillis out of u32 range: " + reconnectAfterMillis);
        }
    }

    public GoAway(ReasonCode reason, long reconnectAfterMillis, String message) {
        this(reason.code(), reconnectAfterMillis, message);
    }

    public ReasonCode reason() {
        return ReasonCode.fromCode(reasonCode);
    }

    @Override
    public FrameType type() {
        return FrameType.GOAWAY;
    }
}
