package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;

/** Outcome of the CMD with the same id. */
public record CmdResult(int id, CmdStatus status) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.CMD_RESULT;
    }
}
