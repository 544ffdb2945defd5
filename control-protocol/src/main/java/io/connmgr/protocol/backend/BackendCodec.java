package io.connmgr.protocol.backend;

import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.BackendFrame.EventLoss;
import io.connmgr.protocol.backend.BackendFrame.GoAway;
import io.connmgr.protocol.backend.BackendFrame.Hello;
import io.connmgr.protocol.backend.BackendFrame.Ping;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.Result;
import io.connmgr.protocol.backend.BackendFrame.Rpc;
import io.connmgr.protocol.backend.BackendFrame.Send;
import io.connmgr.protocol.backend.BackendFrame.Settings;
import io.connmgr.protocol.backend.BackendFrame.StreamData;
import io.connmgr.protocol.backend.BackendFrame.StreamOpen;
import io.connmgr.protocol.backend.BackendFrame.StreamReset;
import io.connmgr.protocol.backend.BackendFrame.StreamWindow;
import io.connmgr.protocol.backend.BackendFrame.Subscribe;
import io.connmgr.protocol.backend.BackendFrame.Unsubscribe;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.BackendFrame.Welcome;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.connmgr.protocol.codec.Fields.*;

/**
 * The control channel's wire format: byte layouts of every payload, in one place. docs/protocol.md section 14 gives
 * the same layouts; golden/backend-frames.txt keeps the two in step.
 */
public final class BackendCodec {

    private BackendCodec() {
    }

    /** Writes header and payload of {@code frame} to {@code out}. */
    public static void encode(BackendFrame frame, ByteBuf out) {
        int headerAt = beginFrame(out);
        switch (frame) {
            case Hello h -> {
                out.writeShort(BackendWire.HELLO_MAGIC);
                out.writeByte(h.version());
                out.writeByte(0); // flags: reserved, must be zero
                out.writeInt(h.capabilities());
                writeShortUtf8(out, h.name(), "name");
                writeShortBytes(out, h.token(), "token");
            }
            case Welcome w -> {
                out.writeByte(w.version());
                out.writeByte(0);
                out.writeShort(w.keepAliveSeconds());
                out.writeInt(w.maxFrameSize());
                out.writeInt(w.capabilities());
                out.writeInt((int) w.maxPendingEvents());
                writeShortUtf8(out, w.name(), "name");
            }
            case GoAway g -> {
                out.writeByte(g.reasonCode());
                out.writeInt((int) g.reconnectAfterMillis());
                out.writeCharSequence(g.message(), StandardCharsets.UTF_8);
            }
            case Ping p -> {
                out.writeByte(p.ack() ? 1 : 0);
                out.writeLong(p.data());
            }
            case Send s -> {
                out.writeInt(s.requestId());
                out.writeInt((int) s.ttlMillis());
                writeShortUtf8(out, s.deviceId(), "device id");
                writeShortUtf8(out, s.idempotencyKey(), "idempotency key");
                out.writeBytes(s.payload());
            }
            case Rpc r -> {
                out.writeInt(r.requestId());
                out.writeInt((int) r.timeoutMillis());
                writeShortUtf8(out, r.deviceId(), "device id");
                writeShortUtf8(out, r.method(), "method");
                out.writeBytes(r.body());
            }
            case Settings s -> {
                DeviceSettings d = s.settings();
                out.writeInt(s.requestId());
                out.writeByte(d.presentMask());
                out.writeByte((Boolean.TRUE.equals(d.alwaysActive()) ? 1 : 0)
                        | (Boolean.TRUE.equals(d.persistentRequired()) ? 2 : 0));
                out.writeInt((int) millis(d.idleAfter()));
                out.writeInt((int) millis(d.sleepAfter()));
                out.writeInt((int) millis(d.keepAlive()));
                writeShortUtf8(out, s.deviceId(), "device id");
            }
            case Subscribe s -> {
                EventFilter f = s.filter();
                out.writeInt(s.requestId());
                out.writeByte(f.kinds());
                out.writeByte(f.scope().code());
                out.writeShort(f.deviceIds().size());
                for (String id : f.deviceIds()) {
                    writeShortUtf8(out, id, "device id");
                }
            }
            case Unsubscribe u -> {
                out.writeInt(u.requestId());
                out.writeInt(u.subscriptionId());
            }
            case StreamOpen o -> {
                out.writeInt(o.requestId());
                out.writeInt(o.streamId());
                out.writeInt((int) o.window());
                out.writeShort(o.port());
                writeShortUtf8(out, o.deviceId(), "device id");
            }
            case Result r -> {
                out.writeInt(r.requestId());
                out.writeByte(r.status().code());
                out.writeBytes(r.body());
            }
            case UplinkEvent u -> {
                out.writeByte(BackendWire.EVENT_UPLINK);
                out.writeLong(u.timestampMillis());
                out.writeLong(u.seq());
                writeShortUtf8(out, u.deviceId(), "device id");
                out.writeBytes(u.payload());
            }
            case PresenceEvent p -> {
                out.writeByte(BackendWire.EVENT_PRESENCE);
                out.writeLong(p.timestampMillis());
                out.writeByte(p.kind().code());
                out.writeByte(p.tier().code());
                writeShortUtf8(out, p.deviceId(), "device id");
            }
            case EventLoss l -> {
                out.writeByte(BackendWire.EVENT_LOSS);
                out.writeLong(l.timestampMillis());
                out.writeLong(l.dropped());
            }
            case StreamData d -> {
                out.writeInt(d.streamId());
                out.writeByte(d.fin() ? 1 : 0);
                out.writeBytes(d.data(), d.data().readerIndex(), d.data().readableBytes());
            }
            case StreamWindow w -> {
                out.writeInt(w.streamId());
                out.writeInt((int) w.increment());
            }
            case StreamReset r -> {
                out.writeInt(r.streamId());
                out.writeByte(r.reason().code());
            }
        }
        endFrame(out, headerAt, frame.type().code());
    }

    /**
     * The 9 bytes in front of a STREAM_DATA frame's data (header, stream id, flags), so an encoder can send the data
     * buffer itself behind them instead of copying it.
     */
    public static void encodeStreamDataHead(int streamId, boolean fin, int dataBytes, ByteBuf out) {
        int length = STREAM_DATA_HEAD_BYTES - Wire.HEADER_BYTES + dataBytes;
        if (length > Wire.MAX_LENGTH_FIELD) {
            throw new IllegalArgumentException("frame payload of " + length + " bytes exceeds the 24-bit length field");
        }
        out.writeInt(BackendFrameType.STREAM_DATA.code() << 24 | length);
        out.writeInt(streamId);
        out.writeByte(fin ? 1 : 0);
    }

    /** Header, stream id and flags of a STREAM_DATA frame. */
    public static final int STREAM_DATA_HEAD_BYTES = Wire.HEADER_BYTES + 4 + 1;

    /** Encodes to a fresh array; convenient for tests and golden vectors. */
    public static byte[] toBytes(BackendFrame frame) {
        return written(out -> encode(frame, out));
    }

    /** Decodes one payload of a known type; {@code payload} holds exactly the payload and is fully consumed. */
    public static BackendFrame decode(BackendFrameType type, ByteBuf payload) throws MalformedFrameException {
        BackendFrame frame = switch (type) {
            case HELLO -> decodeHello(payload);
            case WELCOME -> {
                int version = u8(payload);
                zero(u8(payload), "WELCOME flags");
                yield new Welcome(version, u16(payload), i32(payload), i32(payload), u32(payload),
                        utf8(payload, u8(payload), "name"));
            }
            case GOAWAY -> new GoAway(u8(payload), u32(payload), utf8(payload, payload.readableBytes(), "message"));
            case PING -> {
                int flags = u8(payload);
                if ((flags & ~1) != 0) {
                    throw violation("PING reserved flags must be zero");
                }
                yield new Ping(flags == 1, i64(payload));
            }
            case SEND -> {
                int requestId = i32(payload);
                long ttl = u32(payload);
                String deviceId = deviceId(payload);
                int keyLength = u8(payload);
                if (keyLength > BackendWire.MAX_IDEMPOTENCY_KEY_BYTES) {
                    throw violation("idempotency key longer than " + BackendWire.MAX_IDEMPOTENCY_KEY_BYTES + " bytes");
                }
                yield new Send(requestId, deviceId, ttl, utf8(payload, keyLength, "idempotency key"), rest(payload));
            }
            case RPC -> {
                int requestId = i32(payload);
                long timeout = u32(payload);
                String deviceId = deviceId(payload);
                yield new Rpc(requestId, deviceId, utf8(payload, u8(payload), "method"), timeout, rest(payload));
            }
            case SETTINGS -> decodeSettings(payload);
            case SUBSCRIBE -> decodeSubscribe(payload);
            case UNSUBSCRIBE -> new Unsubscribe(i32(payload), i32(payload));
            case STREAM_OPEN -> {
                int requestId = i32(payload);
                int streamId = streamId(payload);
                long window = u32(payload);
                int port = u16(payload);
                yield new StreamOpen(requestId, streamId, window, port, deviceId(payload));
            }
            case RESULT -> {
                int requestId = i32(payload);
                int code = u8(payload);
                BackendStatus status = BackendStatus.fromCode(code);
                if (status == null) {
                    throw violation("unknown RESULT status " + code);
                }
                yield new Result(requestId, status, rest(payload));
            }
            case EVENT -> decodeEvent(payload);
            case STREAM_DATA -> {
                int id = streamId(payload);
                int flags = u8(payload);
                if ((flags & ~1) != 0) {
                    throw violation("STREAM_DATA reserved flags must be zero");
                }
                // A slice of the decoder's buffer, not a copy: relayed bytes are never copied on the way through.
                yield new StreamData(id, flags == 1, payload.readRetainedSlice(payload.readableBytes()));
            }
            case STREAM_WINDOW -> {
                int id = streamId(payload);
                long increment = u32(payload);
                if (increment == 0) {
                    throw violation("STREAM_WINDOW increment of 0");
                }
                yield new StreamWindow(id, increment);
            }
            case STREAM_RESET -> {
                int id = streamId(payload);
                int code = u8(payload);
                StreamStatus reason = StreamStatus.fromCode(code);
                if (reason == null) {
                    throw violation("unknown stream status " + code);
                }
                yield new StreamReset(id, reason);
            }
        };
        if (payload.isReadable()) { // never after STREAM_DATA, which takes the rest of the payload
            throw violation(payload.readableBytes() + " unexpected trailing bytes in " + type);
        }
        return frame;
    }

    private static Hello decodeHello(ByteBuf in) throws MalformedFrameException {
        if (u16(in) != BackendWire.HELLO_MAGIC) {
            throw violation("BACKEND_HELLO does not start with the magic 'CB'");
        }
        int version = u8(in);
        if (version != BackendWire.VERSION) {
            throw new MalformedFrameException(ReasonCode.UNSUPPORTED_VERSION, "control channel version " + version
                    + " not supported; this appliance speaks " + BackendWire.VERSION);
        }
        zero(u8(in), "HELLO flags");
        int capabilities = i32(in);
        int nameLength = u8(in);
        if (nameLength == 0 || nameLength > BackendWire.MAX_NAME_BYTES) {
            throw violation("back-end name must be 1.." + BackendWire.MAX_NAME_BYTES + " bytes");
        }
        String name = utf8(in, nameLength, "name");
        return new Hello(version, capabilities, name, shortBytes(in, 255, "token"));
    }

    private static Settings decodeSettings(ByteBuf in) throws MalformedFrameException {
        int requestId = i32(in);
        int present = u8(in);
        if ((present & ~0x1F) != 0) {
            throw violation("SETTINGS reserved present bits must be zero");
        }
        int flags = u8(in);
        if ((flags & ~0x03) != 0) {
            throw violation("SETTINGS reserved flags must be zero");
        }
        long idle = u32(in);
        long sleep = u32(in);
        long keepAlive = u32(in);
        String deviceId = deviceId(in);
        if ((present & BackendWire.SET_IDLE_AFTER) == 0 && idle != 0
                || (present & BackendWire.SET_SLEEP_AFTER) == 0 && sleep != 0
                || (present & BackendWire.SET_KEEP_ALIVE) == 0 && keepAlive != 0
                || (present & BackendWire.SET_ALWAYS_ACTIVE) == 0 && (flags & 1) != 0
                || (present & BackendWire.SET_PERSISTENT_REQUIRED) == 0 && (flags & 2) != 0) {
            throw violation("SETTINGS field set that is not marked present");
        }
        return new Settings(requestId, deviceId, new DeviceSettings(
                (present & BackendWire.SET_IDLE_AFTER) != 0 ? Duration.ofMillis(idle) : null,
                (present & BackendWire.SET_SLEEP_AFTER) != 0 ? Duration.ofMillis(sleep) : null,
                (present & BackendWire.SET_KEEP_ALIVE) != 0 ? Duration.ofMillis(keepAlive) : null,
                (present & BackendWire.SET_ALWAYS_ACTIVE) != 0 ? (flags & 1) != 0 : null,
                (present & BackendWire.SET_PERSISTENT_REQUIRED) != 0 ? (flags & 2) != 0 : null));
    }

    private static Subscribe decodeSubscribe(ByteBuf in) throws MalformedFrameException {
        int requestId = i32(in);
        int kinds = u8(in);
        int scopeCode = u8(in);
        EventFilter.Scope scope = EventFilter.Scope.fromCode(scopeCode);
        if (scope == null) {
            throw violation("unknown SUBSCRIBE scope " + scopeCode);
        }
        int count = u16(in);
        if (count > BackendWire.MAX_FILTER_IDS) {
            throw violation("SUBSCRIBE lists more than " + BackendWire.MAX_FILTER_IDS + " device ids");
        }
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(scope == EventFilter.Scope.PREFIX ? utf8(in, u8(in), "prefix") : deviceId(in));
        }
        try {
            return new Subscribe(requestId, new EventFilter(kinds, scope, ids));
        } catch (IllegalArgumentException e) {
            throw violation("SUBSCRIBE filter: " + e.getMessage());
        }
    }

    private static BackendFrame decodeEvent(ByteBuf in) throws MalformedFrameException {
        int kind = u8(in);
        long timestamp = i64(in);
        return switch (kind) {
            case BackendWire.EVENT_UPLINK -> {
                long seq = i64(in);
                yield new UplinkEvent(timestamp, seq, deviceId(in), rest(in));
            }
            case BackendWire.EVENT_PRESENCE -> {
                int kindCode = u8(in);
                PresenceKind presence = PresenceKind.fromCode(kindCode);
                int tierCode = u8(in);
                PresenceTier tier = PresenceTier.fromCode(tierCode);
                if (presence == null || tier == null) {
                    throw violation("unknown presence kind " + kindCode + " or tier " + tierCode);
                }
                yield new PresenceEvent(timestamp, presence, tier, deviceId(in));
            }
            case BackendWire.EVENT_LOSS -> new EventLoss(timestamp, i64(in));
            default -> throw violation("unknown EVENT kind " + kind);
        };
    }

    /** The wire value of an optional duration: 0 when absent. */
    private static long millis(Duration d) {
        return d == null ? 0 : d.toMillis();
    }

    private static void zero(int flags, String what) throws MalformedFrameException {
        if (flags != 0) {
            throw violation(what + " are reserved and must be zero");
        }
    }

    private static MalformedFrameException violation(String detail) {
        return new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, detail);
    }
}
