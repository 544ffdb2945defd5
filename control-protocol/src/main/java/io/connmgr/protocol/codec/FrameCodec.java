package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Ack;
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
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.RpcStatus;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

import static io.connmgr.protocol.codec.Fields.*;

/**
 * The device-link wire format: byte layouts of every frame payload, in one place. docs/protocol.md describes the same
 * layouts for implementers in other languages; the golden vectors in the tests keep the two in step.
 */
public final class FrameCodec {

    private FrameCodec() {
    }

    /** Writes header and payload of {@code frame} to {@code out}. */
    public static void encode(Frame frame, ByteBuf out) {
        int headerAt = beginFrame(out);
        switch (frame) {
            case Hello h -> {
                out.writeShort(Wire.HELLO_MAGIC);
                out.writeByte(h.version());
                out.writeByte(h.flags());
                out.writeShort(h.keepAliveSeconds());
                out.writeInt(h.capabilities());
                writeShortUtf8(out, h.deviceId(), "device id");
                writeShortBytes(out, h.credential(), "credential");
                writeShortBytes(out, h.resumeToken(), "resume token");
                if (h.directAddress() != null) {
                    writeShortBytes(out, h.directAddress().toString().getBytes(StandardCharsets.US_ASCII),
                            "direct address");
                }
                if (h.hasDeliveredSeq()) {
                    out.writeLong(h.deliveredDownlinkSeq());
                }
            }
            case Welcome w -> {
                out.writeByte(w.version());
                out.writeByte(w.flags());
                out.writeShort(w.keepAliveSeconds());
                out.writeInt(w.maxFrameSize());
                out.writeInt(w.capabilities());
                out.writeLong(w.lastUplinkSeq());
                writeShortBytes(out, w.resumeToken(), "resume token");
            }
            case Reject r -> {
                out.writeByte(r.reasonCode());
                out.writeCharSequence(r.message(), StandardCharsets.UTF_8);
            }
            case GoAway g -> {
                out.writeByte(g.reasonCode());
                out.writeInt((int) g.reconnectAfterMillis());
                out.writeCharSequence(g.message(), StandardCharsets.UTF_8);
            }
            case Ping p -> { }
            case Pong p -> { }
            case Msg m -> {
                out.writeLong(m.seq());
                out.writeBytes(m.payload());
            }
            case Ack a -> out.writeLong(a.seq());
            case Cmd c -> {
                out.writeShort(c.id());
                out.writeByte(c.opcode());
                out.writeInt((int) c.value());
            }
            case CmdResult c -> {
                out.writeShort(c.id());
                out.writeByte(c.status().code());
            }
            case StreamOpen o -> {
                out.writeInt(o.streamId());
                out.writeInt((int) o.window());
                out.writeByte(o.mode().code());
                out.writeShort(o.port());
                writeShortBytes(out, o.token(), "stream token");
                writeShortUtf8(out, o.service(), "service");
            }
            case StreamOpenResult r -> {
                out.writeInt(r.streamId());
                out.writeByte(r.status().code());
                out.writeInt((int) r.window());
            }
            case StreamData d -> {
                out.writeInt(d.streamId());
                out.writeBytes(d.data(), d.data().readerIndex(), d.data().readableBytes());
            }
            case StreamWindow w -> {
                out.writeInt(w.streamId());
                out.writeInt((int) w.increment());
            }
            case StreamClose c -> out.writeInt(c.streamId());
            case StreamReset r -> {
                out.writeInt(r.streamId());
                out.writeByte(r.reason().code());
            }
            case ConnectRequest c -> {
                out.writeInt(c.requestId());
                out.writeShort(c.port());
                writeShortBytes(out, c.token(), "stream token");
                writeShortUtf8(out, c.origin(), "origin");
            }
            case StreamAttach a -> writeShortBytes(out, a.token(), "stream token");
            case RpcRequest r -> {
                out.writeLong(r.callId());
                out.writeInt((int) r.timeoutMs());
                writeShortUtf8(out, r.method(), "method");
                out.writeBytes(r.body());
            }
            case RpcResponse r -> {
                out.writeLong(r.callId());
                out.writeByte(r.status().code());
                out.writeBytes(r.body());
            }
        }
        endFrame(out, headerAt, frame.type().code());
    }

    /**
     * The 8 bytes in front of a STREAM_DATA frame's data (header and stream id), so an encoder can send the data
     * buffer itself behind them instead of copying it.
     */
    public static void encodeStreamDataHead(int streamId, int dataBytes, ByteBuf out) {
        int length = STREAM_ID_BYTES + dataBytes;
        if (length > Wire.MAX_LENGTH_FIELD) {
            throw new IllegalArgumentException("frame payload of " + length + " bytes exceeds the 24-bit length field");
        }
        out.writeInt(FrameType.STREAM_DATA.code() << 24 | length);
        out.writeInt(streamId);
    }

    public static final int STREAM_DATA_HEAD_BYTES = Wire.HEADER_BYTES + 4;
    private static final int STREAM_ID_BYTES = 4;

    /** Encodes to a fresh array; convenient for tests, golden vectors and raw writes. */
    public static byte[] toBytes(Frame frame) {
        return written(out -> encode(frame, out));
    }

    /**
     * Decodes one payload of a known type. {@code payload} holds exactly the frame's payload bytes; it is fully
     * consumed on success.
     */
    public static Frame decode(FrameType type, ByteBuf payload) throws MalformedFrameException {
        Frame frame = switch (type) {
            case HELLO -> decodeHello(payload);
            case WELCOME -> {
                int version = u8(payload);
                int flags = u8(payload); // reserved bits are ignored (docs/protocol.md section 5.2)
                yield new Welcome(version, (flags & Welcome.FLAG_RESUMED) != 0, u16(payload), i32(payload),
                        i32(payload), i64(payload), shortBytes(payload, Wire.RESUME_TOKEN_BYTES, "resume token"),
                        (flags & Welcome.FLAG_STAY_CONNECTED) != 0);
            }
            case REJECT -> new Reject(u8(payload), utf8(payload, payload.readableBytes(), "message"));
            case GOAWAY -> new GoAway(u8(payload), u32(payload), utf8(payload, payload.readableBytes(), "message"));
            case PING -> Ping.INSTANCE;
            case PONG -> Pong.INSTANCE;
            case MSG -> new Msg(i64(payload), rest(payload));
            case ACK -> new Ack(i64(payload));
            case CMD -> new Cmd(u16(payload), u8(payload), u32(payload));
            case CMD_RESULT -> {
                int id = u16(payload);
                int code = u8(payload);
                CmdStatus status = CmdStatus.fromCode(code);
                if (status == null) {
                    throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown CMD_RESULT status " + code);
                }
                yield new CmdResult(id, status);
            }
            case STREAM_OPEN -> decodeStreamOpen(payload);
            case STREAM_OPEN_RESULT -> new StreamOpenResult(streamId(payload), streamStatus(payload), u32(payload));
            case STREAM_DATA -> {
                int id = streamId(payload);
                // A slice of the decoder's buffer, not a copy: relayed bytes are never copied on the way through.
                yield new StreamData(id, payload.readRetainedSlice(payload.readableBytes()));
            }
            case STREAM_WINDOW -> {
                int id = streamId(payload);
                long increment = u32(payload);
                if (increment == 0) {
                    throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "STREAM_WINDOW increment of 0");
                }
                yield new StreamWindow(id, increment);
            }
            case STREAM_CLOSE -> new StreamClose(streamId(payload));
            case STREAM_RESET -> new StreamReset(streamId(payload), streamStatus(payload));
            case CONNECT_REQUEST -> new ConnectRequest(streamId(payload), u16(payload),
                    shortBytes(payload, Wire.MAX_STREAM_TOKEN_BYTES, "stream token"),
                    utf8(payload, u8(payload), "origin"));
            case STREAM_ATTACH -> {
                byte[] token = shortBytes(payload, Wire.MAX_STREAM_TOKEN_BYTES, "stream token");
                if (token.length == 0) {
                    throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "STREAM_ATTACH without a token");
                }
                yield new StreamAttach(token);
            }
            case RPC_REQUEST -> new RpcRequest(i64(payload), u32(payload), utf8(payload, u8(payload), "method"),
                    rest(payload));
            case RPC_RESPONSE -> {
                long callId = i64(payload);
                int code = u8(payload);
                RpcStatus status = RpcStatus.fromCode(code);
                if (status == null) {
                    throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown RPC_RESPONSE status " + code);
                }
                yield new RpcResponse(callId, status, rest(payload));
            }
            case BACKEND_HELLO, BACKEND_WELCOME, BACKEND_SEND, BACKEND_SUBSCRIBE,
                 BACKEND_EVENT, BACKEND_SETTINGS, BACKEND_RESULT -> throw new MalformedFrameException(
                    ReasonCode.UNKNOWN_FRAME_TYPE, "frame type " + type + " is reserved and not supported");
        };
        if (payload.isReadable()) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR,
                    payload.readableBytes() + " unexpected trailing bytes in " + type);
        }
        return frame;
    }

    private static StreamOpen decodeStreamOpen(ByteBuf in) throws MalformedFrameException {
        int id = streamId(in);
        long window = u32(in);
        int modeCode = u8(in);
        StreamMode mode = StreamMode.fromCode(modeCode);
        if (mode == null) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown stream mode " + modeCode);
        }
        int port = u16(in);
        byte[] token = shortBytes(in, Wire.MAX_STREAM_TOKEN_BYTES, "stream token");
        if (mode == StreamMode.DATA_CONNECTION && token.length == 0) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "data-connection stream without a token");
        }
        String service = utf8(in, u8(in), "service");
        return new StreamOpen(id, window, mode, port, token, service);
    }

    private static StreamStatus streamStatus(ByteBuf in) throws MalformedFrameException {
        int code = u8(in);
        StreamStatus status = StreamStatus.fromCode(code);
        if (status == null) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown stream status " + code);
        }
        return status;
    }


    private static Hello decodeHello(ByteBuf in) throws MalformedFrameException {
        int magic = u16(in);
        if (magic != Wire.HELLO_MAGIC) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "HELLO does not start with the magic 'CM'");
        }
        int version = u8(in);
        if (version != Wire.PROTOCOL_VERSION) {
            throw new MalformedFrameException(ReasonCode.UNSUPPORTED_VERSION,
                    "protocol version " + version + " not supported; this appliance speaks " + Wire.PROTOCOL_VERSION);
        }
        int flags = u8(in);
        if ((flags & ~Hello.KNOWN_FLAGS) != 0) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "HELLO reserved flag bits must be zero, got 0x"
                    + Integer.toHexString(flags));
        }
        int keepAlive = u16(in);
        int capabilities = i32(in);
        String deviceId = deviceId(in);
        byte[] credential = shortBytes(in, Wire.MAX_CREDENTIAL_BYTES, "credential");
        byte[] token = shortBytes(in, Wire.RESUME_TOKEN_BYTES, "resume token");
        if (token.length != 0 && token.length != Wire.RESUME_TOKEN_BYTES) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR,
                    "resume token must be empty or " + Wire.RESUME_TOKEN_BYTES + " bytes");
        }
        DirectAddress direct = null;
        if ((flags & Hello.FLAG_DIRECT_ADDRESS) != 0) {
            String text = utf8(in, u8(in), "direct address");
            try {
                direct = DirectAddress.parse(text);
            } catch (IllegalArgumentException e) {
                throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "HELLO " + e.getMessage());
            }
        }
        long delivered = Hello.NO_DELIVERED_SEQ;
        if ((flags & Hello.FLAG_DELIVERED_SEQ) != 0) {
            delivered = i64(in);
            if (delivered < 0) {
                throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR,
                        "HELLO delivered downlink seq is beyond 2^63 - 1");
            }
        }
        return new Hello(version, keepAlive, capabilities, deviceId, credential, token,
                (flags & Hello.FLAG_ON_DEMAND) != 0, direct, delivered);
    }
}
