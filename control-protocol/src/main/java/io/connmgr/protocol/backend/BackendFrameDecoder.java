package io.connmgr.protocol.backend;

import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.codec.TypeFirstFrameDecoder;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.buffer.ByteBuf;

/**
 * The control channel's decoder: emits {@link BackendFrame}s, or one {@link io.connmgr.protocol.codec.ProtocolViolation}
 * after which every further byte is discarded. Unknown type bytes, and types only the other side may receive, are
 * refused on their first byte.
 */
public final class BackendFrameDecoder extends TypeFirstFrameDecoder<BackendFrameType> {
    /** Which side this decoder runs on: it refuses types only the other side may receive. */
    public enum Side { APPLIANCE, BACKEND }

    private final Side side;

    public BackendFrameDecoder(int maxFrameSize, Side side) {
        super(maxFrameSize);
        this.side = side;
    }

    @Override
    protected BackendFrameType type(int code) throws MalformedFrameException {
        BackendFrameType type = BackendFrameType.fromCode(code);
        if (type == null) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown frame type 0x%02x".formatted(code));
        }
        if (side == Side.APPLIANCE ? !type.fromBackend() : !type.fromAppliance()) {
            throw new MalformedFrameException(ReasonCode.UNEXPECTED_FRAME,
                    "frame type " + type + " is not sent in this direction");
        }
        return type;
    }

    @Override
    protected Object decodePayload(BackendFrameType type, ByteBuf payload) throws MalformedFrameException {
        return BackendCodec.decode(type, payload);
    }
}
