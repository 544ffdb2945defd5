package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/** Grants the peer {@code increment} (u32, at least 1) more bytes of STREAM_DATA on the stream. */
public record StreamWindow(int streamId, long increment) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.STREAM_WINDOW;
    }
}
