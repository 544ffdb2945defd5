package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.FrameType;

/**
 * A connection-manager command from a device.
 *
 * @param id     correlates the CMD_RESULT (u16)
 * @param opcode raw command byte; see {@link CmdOpcode}
 * @param value  command argument (u32)
 */
public record Cmd(int id, int opcode, long value) implements Frame {

    public Cmd(int id, CmdOpcode opcode, long value) {
        this(id, opcode.code(), value);
    }

    /** The command, or {@code null} when unknown to this implementation. */
    public CmdOpcode command() {
        return CmdOpcode.fromCode(opcode);
    }

    @Override
    public FrameType type() {
        return FrameType.CMD;
    }
}
