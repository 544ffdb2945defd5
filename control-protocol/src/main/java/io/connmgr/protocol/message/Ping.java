package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/** Application keep-alive. Answered in every tier without waking the connection. */
public enum Ping implements Frame {
    INSTANCE;

    @Override
    public FrameType type() {
        return FrameType.PING;
    }
}
