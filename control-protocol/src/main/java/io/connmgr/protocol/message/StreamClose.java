package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/** The sender will send no more data on the stream (half-close); the other direction stays open. */
public record StreamClose(int streamId) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.STREAM_CLOSE;
    }
}
