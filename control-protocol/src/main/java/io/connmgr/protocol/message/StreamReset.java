package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.StreamStatus;

/** Aborts the stream in both directions; unread data is discarded. */
public record StreamReset(int streamId, StreamStatus reason) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.STREAM_RESET;
    }
}
