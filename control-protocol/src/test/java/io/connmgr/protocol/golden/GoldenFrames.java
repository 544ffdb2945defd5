package io.connmgr.protocol.golden;

import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;

/** Builds the {@link Frame} a frame vector describes, from the field names of docs/protocol.md. */
public final class GoldenFrames {
    private GoldenFrames() {
    }

    public static Frame toFrame(GoldenVector v) {
        return switch (FrameType.valueOf(v.raw("type"))) {
            case HELLO -> new Hello(v.integer("version"), v.integer("keep_alive_seconds"), (int) v.number("capabilities"),
                    v.text("device_id"), v.byteField("credential"), v.byteField("resume_token"));
            case WELCOME -> new Welcome(v.integer("version"), v.flag("resumed"), v.integer("keep_alive_seconds"),
                    v.integer("max_frame_size"), (int) v.number("capabilities"), v.number("last_uplink_seq"),
                    v.byteField("resume_token"));
            case REJECT -> new Reject(v.integer("reason_code"), v.text("message"));
            case GOAWAY -> new GoAway(v.integer("reason_code"), v.number("reconnect_after_ms"), v.text("message"));
            case PING -> Ping.INSTANCE;
            case PONG -> Pong.INSTANCE;
            case MSG -> new Msg(v.number("seq"), v.byteField("payload"));
            case ACK -> new Ack(v.number("seq"));
            case CMD -> new Cmd(v.integer("id"), v.integer("opcode"), v.number("value"));
            case CMD_RESULT -> new CmdResult(v.integer("id"), CmdStatus.fromCode(v.integer("status")));
            default -> throw new IllegalArgumentException(v.name() + ": no vectors for reserved type " + v.raw("type"));
        };
    }
}
