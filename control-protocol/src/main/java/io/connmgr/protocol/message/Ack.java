package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/**
 * Cumulative acknowledgement: every MSG with a sequence number up to and including {@code seq} is safely received.
 */
public record Ack(long seq) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.ACK;
    }
}
