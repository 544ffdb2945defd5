package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.buffer.ByteBuf;

/**
 * The device link's decoder: emits {@link io.connmgr.protocol.message.Frame}s, or one {@link ProtocolViolation}.
 * Unknown type bytes are a PROTOCOL_ERROR, reserved ones (the back-end channel's) UNKNOWN_FRAME_TYPE, both on the
 * first byte.
 */
public final class FrameDecoder extends TypeFirstFrameDecoder<FrameType> {

    public FrameDecoder(int maxFrameSize) {
        super(maxFrameSize);
    }

    @Override
    protected FrameType type(int code) throws MalformedFrameException {
        FrameType type = FrameType.fromCode(code);
        if (type == null) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "unknown frame type 0x%02x".formatted(code));
        }
        if (type.isReserved()) {
            // Known to the protocol but not implemented: refuse now rather than buffer a payload we would discard.
            throw new MalformedFrameException(ReasonCode.UNKNOWN_FRAME_TYPE,
                    "frame type " + type + " is reserved and not supported");
        }
        return type;
    }

    @Override
    protected Object decodePayload(FrameType type, ByteBuf payload) throws MalformedFrameException {
        return FrameCodec.decode(type, payload);
    }
}
