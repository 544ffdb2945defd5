package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

import java.util.HexFormat;
import java.util.Objects;

/**
 * Every message of the back-end control channel, as sealed records in one place (docs/protocol.md section 14).
 * Switches over them are exhaustive, so a new type cannot fall through silently. Byte-array fields are compared by
 * their encoding in tests; the records are values only on the way to and from the wire.
 *
 * <p>Request and stream ids are u32 on the wire and carried in Java {@code int}s (compare them unsigned).
 */
public sealed interface BackendFrame {

    BackendFrameType type();

    /** First frame from a back-end. */
    record Hello(int version, int capabilities, String name, byte[] token) implements BackendFrame {
        public Hello {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(token, "token");
        }

        public BackendFrameType type() {
            return BackendFrameType.HELLO;
        }

        @Override
        public String toString() {
            return "Hello[v" + version + ", caps=0x" + Integer.toHexString(capabilities) + ", name=" + name + "]";
        }
    }

    /** The appliance accepted the HELLO. */
    record Welcome(int version, int keepAliveSeconds, int maxFrameSize, int capabilities, long maxPendingEvents,
                   String name) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.WELCOME;
        }
    }

    /** The appliance refuses the HELLO or ends the channel; it closes after sending this. */
    record GoAway(int reasonCode, long reconnectAfterMillis, String message) implements BackendFrame {
        public GoAway(ReasonCode reason, long reconnectAfterMillis, String message) {
            this(reason.code(), reconnectAfterMillis, message);
        }

        /** The reason, or {@code INTERNAL_ERROR} for a code this side does not know. */
        public ReasonCode reason() {
            ReasonCode r = ReasonCode.fromCode(reasonCode);
            return r != null ? r : ReasonCode.INTERNAL_ERROR;
        }

        public BackendFrameType type() {
            return BackendFrameType.GOAWAY;
        }
    }

    /** Keep-alive probe ({@code ack} false) or its answer ({@code ack} true, same {@code data}). */
    record Ping(boolean ack, long data) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.PING;
        }
    }

    /** A request: every one is answered by exactly one {@link Result} with the same request id. */
    sealed interface Request extends BackendFrame {
        int requestId();
    }

    /** Queue a message for a device. {@code ttlMillis} 0 means the appliance's default; key "" means none. */
    record Send(int requestId, String deviceId, long ttlMillis, String idempotencyKey, byte[] payload)
            implements Request {
        public BackendFrameType type() {
            return BackendFrameType.SEND;
        }

        @Override
        public String toString() {
            return "Send[" + Integer.toUnsignedString(requestId) + ", " + deviceId + ", " + payload.length + " bytes]";
        }
    }

    /** Call a method on a device and wait for its answer. */
    record Rpc(int requestId, String deviceId, String method, long timeoutMillis, byte[] body) implements Request {
        public BackendFrameType type() {
            return BackendFrameType.RPC;
        }

        @Override
        public String toString() {
            return "Rpc[" + Integer.toUnsignedString(requestId) + ", " + deviceId + ", " + method + "]";
        }
    }

    /** Change a device's connection-manager settings; null fields stay as they are. */
    record Settings(int requestId, String deviceId, DeviceSettings settings) implements Request {
        public BackendFrameType type() {
            return BackendFrameType.SETTINGS;
        }
    }

    /** Start a subscription; its id is this request's id. */
    record Subscribe(int requestId, EventFilter filter) implements Request {
        public BackendFrameType type() {
            return BackendFrameType.SUBSCRIBE;
        }
    }

    /** End the subscription started by SUBSCRIBE {@code subscriptionId}. */
    record Unsubscribe(int requestId, int subscriptionId) implements Request {
        public BackendFrameType type() {
            return BackendFrameType.UNSUBSCRIBE;
        }
    }

    /** Open a stream to a device's port; {@code window} is what the back-end is ready to receive. */
    record StreamOpen(int requestId, int streamId, long window, int port, String deviceId) implements Request {
        public BackendFrameType type() {
            return BackendFrameType.STREAM_OPEN;
        }
    }

    /** The answer to a request. For OK: SEND the message id (UTF-8), RPC the reply, STREAM_OPEN a u32 window. */
    record Result(int requestId, BackendStatus status, byte[] body) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.RESULT;
        }

        @Override
        public String toString() {
            return "Result[" + Integer.toUnsignedString(requestId) + ", " + status + ", "
                    + (body.length <= 16 ? HexFormat.of().formatHex(body) : body.length + " bytes") + "]";
        }
    }

    /** Something that happened to a device: what subscriptions deliver. */
    sealed interface DeviceEvent extends BackendFrame {
        String deviceId();

        long timestampMillis();
    }

    /** A message a device sent up, once the appliance has accepted it. */
    record UplinkEvent(long timestampMillis, long seq, String deviceId, byte[] payload) implements DeviceEvent {
        public BackendFrameType type() {
            return BackendFrameType.EVENT;
        }

        @Override
        public String toString() {
            return "Uplink[" + deviceId + ", seq=" + seq + ", " + payload.length + " bytes]";
        }
    }

    /** A device connected, disconnected or changed tier. */
    record PresenceEvent(long timestampMillis, PresenceKind kind, PresenceTier tier, String deviceId)
            implements DeviceEvent {
        public BackendFrameType type() {
            return BackendFrameType.EVENT;
        }
    }

    /** {@code dropped} events were discarded for this channel since the last notice because it read too slowly. */
    record EventLoss(long timestampMillis, long dropped) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.EVENT;
        }
    }

    /**
     * Bytes of a stream; {@code fin} set means the sender sends nothing more (a half-close). The data is a
     * reference-counted buffer: whoever takes the frame releases it (writing it to a channel does).
     */
    record StreamData(int streamId, boolean fin, ByteBuf data) implements BackendFrame, ReferenceCounted {
        public BackendFrameType type() {
            return BackendFrameType.STREAM_DATA;
        }

        public int refCnt() {
            return data.refCnt();
        }

        public StreamData retain() {
            data.retain();
            return this;
        }

        public StreamData retain(int increment) {
            data.retain(increment);
            return this;
        }

        public StreamData touch() {
            data.touch();
            return this;
        }

        public StreamData touch(Object hint) {
            data.touch(hint);
            return this;
        }

        public boolean release() {
            return data.release();
        }

        public boolean release(int decrement) {
            return data.release(decrement);
        }

        @Override
        public String toString() {
            return "StreamData[id=" + Integer.toUnsignedString(streamId) + (fin ? ", fin" : "") + ", "
                    + data.readableBytes() + " bytes]";
        }
    }

    /** The peer may send {@code increment} more bytes on the stream. */
    record StreamWindow(int streamId, long increment) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.STREAM_WINDOW;
        }
    }

    /** Abort a stream in both directions. */
    record StreamReset(int streamId, StreamStatus reason) implements BackendFrame {
        public BackendFrameType type() {
            return BackendFrameType.STREAM_RESET;
        }
    }
}
