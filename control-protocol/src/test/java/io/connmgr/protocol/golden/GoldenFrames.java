package io.connmgr.protocol.golden;

import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.RpcStatus;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.Unpooled;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;

/** Builds the {@link Frame} a frame vector describes, from the field names of docs/protocol.md. */
public final class GoldenFrames {
    private GoldenFrames() {
    }

    public static Frame toFrame(GoldenVector v) {
        return switch (FrameType.valueOf(v.raw("type"))) {
            case HELLO -> {
                String direct = v.text("direct_address");
                yield new Hello(v.integer("version"), v.integer("keep_alive_seconds"), (int) v.number("capabilities"),
                        v.text("device_id"), v.byteField("credential"), v.byteField("resume_token"),
                        v.flag("on_demand"), direct.isEmpty() ? null : DirectAddress.parse(direct),
                        v.has("delivered_seq") ? v.number("delivered_seq") : Hello.NO_DELIVERED_SEQ);
            }
            case WELCOME -> new Welcome(v.integer("version"), v.flag("resumed"), v.integer("keep_alive_seconds"),
                    v.integer("max_frame_size"), (int) v.number("capabilities"), v.number("last_uplink_seq"),
                    v.byteField("resume_token"), v.flag("stay_connected"));
            case REJECT -> new Reject(v.integer("reason_code"), v.text("message"));
            case GOAWAY -> new GoAway(v.integer("reason_code"), v.number("reconnect_after_ms"), v.text("message"));
            case PING -> Ping.INSTANCE;
            case PONG -> Pong.INSTANCE;
            case MSG -> new Msg(v.number("seq"), v.byteField("payload"));
            case ACK -> new Ack(v.number("seq"));
            case CMD -> new Cmd(v.integer("id"), v.integer("opcode"), v.number("value"));
            case CMD_RESULT -> new CmdResult(v.integer("id"), CmdStatus.fromCode(v.integer("status")));
            case STREAM_OPEN -> new StreamOpen((int) v.number("stream_id"), v.number("window"),
                    StreamMode.fromCode(v.integer("mode")), v.integer("port"), v.byteField("token"), v.text("service"));
            case STREAM_OPEN_RESULT -> new StreamOpenResult((int) v.number("stream_id"),
                    StreamStatus.fromCode(v.integer("status")), v.number("window"));
            case STREAM_DATA -> new StreamData((int) v.number("stream_id"), Unpooled.wrappedBuffer(v.byteField("data")));
            case STREAM_WINDOW -> new StreamWindow((int) v.number("stream_id"), v.number("increment"));
            case STREAM_CLOSE -> new StreamClose((int) v.number("stream_id"));
            case STREAM_RESET -> new StreamReset((int) v.number("stream_id"), StreamStatus.fromCode(v.integer("reason")));
            case CONNECT_REQUEST -> new ConnectRequest((int) v.number("request_id"), v.integer("port"),
                    v.byteField("token"), v.text("origin"));
            case STREAM_ATTACH -> new StreamAttach(v.byteField("token"));
            case RPC_REQUEST -> new RpcRequest(v.number("call_id"), v.number("timeout_ms"), v.text("method"),
                    v.byteField("body"));
            case RPC_RESPONSE -> new RpcResponse(v.number("call_id"), RpcStatus.fromCode(v.integer("status")),
                    v.byteField("body"));
            default -> throw new IllegalArgumentException(v.name() + ": no vectors for reserved type " + v.raw("type"));
        };
    }
}
