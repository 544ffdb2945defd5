package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts the byte stream into frames and decodes them, emitting {@link io.connmgr.protocol.message.Frame}s, or one
 * {@link ProtocolViolation} after which every further byte is discarded.
 *
 * <p>The type and the length are checked before waiting for the payload, so garbage or an oversized length is refused
 * at once instead of being buffered.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameSize;
    private boolean failed;

    public FrameDecoder(int maxFrameSize) {
        if (maxFrameSize < 0 || maxFrameSize > Wire.MAX_LENGTH_FIELD) {
            throw new IllegalArgumentException("maxFrameSize must be 0.." + Wire.MAX_LENGTH_FIELD);
        }
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!in.isReadable()) {
            return;
        }
        int start = in.readerIndex();
        int code = in.getUnsignedByte(start);
        FrameType type = FrameType.fromCode(code);
        if (type == null) {
            fail(in, out, ReasonCode.PROTOCOL_ERROR, "unknown frame type 0x%02x".formatted(code));
            return;
        }
        if (type.isReserved()) {
            // Known to the protocol but not implemented: refuse now rather than buffer a payload we would discard.
            fail(in, out, ReasonCode.UNKNOWN_FRAME_TYPE, "frame type " + type + " is reserved and not supported");
            return;
        }
        if (in.readableBytes() < Wire.HEADER_BYTES) {
            return;
        }
        int length = in.getInt(start) & Wire.MAX_LENGTH_FIELD;
        if (length > maxFrameSize) {
            fail(in, out, ReasonCode.FRAME_TOO_LARGE,
                    "frame of " + length + " bytes exceeds the maximum of " + maxFrameSize);
            return;
        }
        if (in.readableBytes() < Wire.HEADER_BYTES + length) {
            return;
        }
        ByteBuf payload = in.slice(start + Wire.HEADER_BYTES, length);
        in.skipBytes(Wire.HEADER_BYTES + length);
        try {
            out.add(FrameCodec.decode(type, payload));
        } catch (MalformedFrameException e) {
            fail(in, out, e.reason(), e.getMessage());
        }
    }

    private void fail(ByteBuf in, List<Object> out, ReasonCode reason, String detail) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new ProtocolViolation(reason, detail));
    }

    /** True while part of a frame is buffered: trimming the pipeline now would lose those bytes. */
    public boolean hasPartialFrame() {
        return actualReadableBytes() > 0;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }
}
