package io.connmgr.protocol.backend;

import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts the control channel's byte stream into frames and decodes them, emitting {@link BackendFrame}s, or one
 * {@link ProtocolViolation} after which every further byte is discarded.
 *
 * <p>Same rules as the device link's decoder: the type byte is judged as soon as it arrives (unknown codes and codes
 * the receiving side may not get are refused at once), the length is checked against the limit before any payload is
 * buffered, and only then is the exact frame cut and decoded.
 */
public final class BackendFrameDecoder extends ByteToMessageDecoder {
    /** Which side this decoder runs on: it refuses types only the other side may receive. */
    public enum Side { APPLIANCE, BACKEND }

    private final int maxFrameSize;
    private final Side side;
    private boolean failed;

    public BackendFrameDecoder(int maxFrameSize, Side side) {
        if (maxFrameSize < 0 || maxFrameSize > Wire.MAX_LENGTH_FIELD) {
            throw new IllegalArgumentException("maxFrameSize must be 0.." + Wire.MAX_LENGTH_FIELD);
        }
        this.maxFrameSize = maxFrameSize;
        this.side = side;
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
        BackendFrameType type = BackendFrameType.fromCode(code);
        if (type == null) {
            fail(in, out, ReasonCode.PROTOCOL_ERROR, "unknown frame type 0x%02x".formatted(code));
            return;
        }
        if (side == Side.APPLIANCE ? !type.fromBackend() : !type.fromAppliance()) {
            fail(in, out, ReasonCode.UNEXPECTED_FRAME, "frame type " + type + " is not sent in this direction");
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
            out.add(BackendCodec.decode(type, payload));
        } catch (MalformedFrameException e) {
            fail(in, out, e.reason(), e.getMessage());
        }
    }

    private void fail(ByteBuf in, List<Object> out, ReasonCode reason, String detail) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new ProtocolViolation(reason, detail));
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }
}
