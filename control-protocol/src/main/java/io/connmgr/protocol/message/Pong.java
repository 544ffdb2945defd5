package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/** Answer to {@link Ping}. */
public enum Pong implements Frame {
    INSTANCE;

    @Override
    public FrameType type() {
        return FrameType.PONG;
    }
}
