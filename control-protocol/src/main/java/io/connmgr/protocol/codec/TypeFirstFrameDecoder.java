package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts a byte stream of frames ({@code type:u8 length:u24}, then the payload) and decodes them, emitting frames, or one
 * {@link ProtocolViolation} after which every further byte is discarded. Both channels cut their streams this way.
 *
 * <p>The type is judged as soon as its byte arrives and the length before any payload is buffered, so garbage or an
 * oversized length is refused at once instead of being buffered; only then is the exact frame cut and decoded.
 *
 * @param <T> the channel's frame type table
 */
public abstract class TypeFirstFrameDecoder<T> extends ByteToMessageDecoder {
    private final int maxFrameSize;
    private boolean failed;

    protected TypeFirstFrameDecoder(int maxFrameSize) {
        if (maxFrameSize < 0 || maxFrameSize > Wire.MAX_LENGTH_FIELD) {
            throw new IllegalArgumentException("maxFrameSize must be 0.." + Wire.MAX_LENGTH_FIELD);
        }
        this.maxFrameSize = maxFrameSize;
    }

    /** The frame type of a first byte, or the violation it is on this channel (unknown, reserved, wrong direction). */
    protected abstract T type(int code) throws MalformedFrameException;

    /** Decodes exactly one payload of {@code type}, consuming it whole. */
    protected abstract Object decodePayload(T type, ByteBuf payload) throws MalformedFrameException;

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!in.isReadable()) {
            return;
        }
        int start = in.readerIndex();
        T type;
        try {
            type = type(in.getUnsignedByte(start));
        } catch (MalformedFrameException e) {
            fail(in, out, e.reason(), e.getMessage());
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
            out.add(decodePayload(type, payload));
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
