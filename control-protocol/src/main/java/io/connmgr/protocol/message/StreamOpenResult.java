package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.StreamStatus;

/**
 * Answers STREAM_OPEN (and CONNECT_REQUEST).
 *
 * @param window u32 bytes the acceptor may receive before the opener must wait for STREAM_WINDOW; 0 unless OK
 */
public record StreamOpenResult(int streamId, StreamStatus status, long window) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.STREAM_OPEN_RESULT;
    }
}
