package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The frame header and the field types both channels' payloads are built from (big-endian integers, u8-length byte strings, UTF-8). Every
 * read checks the bytes are there first, so a short payload is a {@link ReasonCode#PROTOCOL_ERROR}, never an index
 * exception.
 */
public final class Fields {
    private Fields() {
    }

    public static void need(ByteBuf in, int n) throws MalformedFrameException {
        if (in.readableBytes() < n) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "frame payload truncated");
        }
    }

    public static int u8(ByteBuf in) throws MalformedFrameException {
        need(in, 1);
        return in.readUnsignedByte();
    }

    public static int u16(ByteBuf in) throws MalformedFrameException {
        need(in, 2);
        return in.readUnsignedShort();
    }

    public static int i32(ByteBuf in) throws MalformedFrameException {
        need(in, 4);
        return in.readInt();
    }

    public static long u32(ByteBuf in) throws MalformedFrameException {
        need(in, 4);
        return in.readUnsignedInt();
    }

    public static long i64(ByteBuf in) throws MalformedFrameException {
        need(in, 8);
        return in.readLong();
    }

    /** Whatever is left of the payload. */
    public static byte[] rest(ByteBuf in) {
        byte[] bytes = new byte[in.readableBytes()];
        in.readBytes(bytes);
        return bytes;
    }

    /** A u8 length, then that many bytes, at most {@code max}. */
    public static byte[] shortBytes(ByteBuf in, int max, String what) throws MalformedFrameException {
        int length = u8(in);
        if (length > max) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, what + " longer than " + max + " bytes");
        }
        need(in, length);
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }

    public static void writeShortBytes(ByteBuf out, byte[] bytes, String what) {
        if (bytes.length > 255) {
            throw new IllegalArgumentException(what + " longer than 255 bytes");
        }
        out.writeByte(bytes.length);
        out.writeBytes(bytes);
    }

    /** A u8 length, then the UTF-8 bytes of {@code text}. */
    public static void writeShortUtf8(ByteBuf out, String text, String what) {
        writeShortBytes(out, text.getBytes(StandardCharsets.UTF_8), what);
    }

    /** {@code length} bytes of well-formed UTF-8 (no overlong forms, no encoded surrogates). */
    public static String utf8(ByteBuf in, int length, String what) throws MalformedFrameException {
        need(in, length);
        ByteBuffer bytes = in.nioBuffer(in.readerIndex(), length);
        in.skipBytes(length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, what + " is not valid UTF-8");
        }
    }

    /**
     * A device id: a u8 length of 1..{@value Wire#MAX_DEVICE_ID_BYTES}, then that many bytes of UTF-8 that
     * {@link DeviceIds#isValid} accepts. A bad id is {@link ReasonCode#INVALID_DEVICE_ID}; a payload too short for
     * the length it gives is truncation, {@link ReasonCode#PROTOCOL_ERROR}.
     */
    public static String deviceId(ByteBuf in) throws MalformedFrameException {
        int length = u8(in);
        if (length == 0 || length > Wire.MAX_DEVICE_ID_BYTES) {
            throw new MalformedFrameException(ReasonCode.INVALID_DEVICE_ID,
                    "device id must be 1.." + Wire.MAX_DEVICE_ID_BYTES + " bytes, got " + length);
        }
        need(in, length); // a short payload is truncation, not a bad id
        String id;
        try {
            id = utf8(in, length, "device id");
        } catch (MalformedFrameException e) {
            throw new MalformedFrameException(ReasonCode.INVALID_DEVICE_ID, e.getMessage());
        }
        if (!DeviceIds.isValid(id)) {
            throw new MalformedFrameException(ReasonCode.INVALID_DEVICE_ID,
                    "device id contains whitespace, control characters or slashes");
        }
        return id;
    }

    /** A stream id: an i32 that is not 0. */
    public static int streamId(ByteBuf in) throws MalformedFrameException {
        int id = i32(in);
        if (id == 0) {
            throw new MalformedFrameException(ReasonCode.PROTOCOL_ERROR, "stream id 0 is not valid");
        }
        return id;
    }

    /** What {@code writer} writes, as a fresh array; for encoders' convenience methods (tests, golden vectors). */
    public static byte[] written(Consumer<ByteBuf> writer) {
        ByteBuf buf = Unpooled.buffer();
        try {
            writer.accept(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** Reserves the 4-byte header of a frame about to be written; returns where it starts. */
    public static int beginFrame(ByteBuf out) {
        int headerAt = out.writerIndex();
        out.writeInt(0); // patched by endFrame once the payload length is known
        return headerAt;
    }

    /** Writes the header reserved at {@code headerAt}: {@code type:u8 length:u24} of what follows it. */
    public static void endFrame(ByteBuf out, int headerAt, int typeCode) {
        int length = out.writerIndex() - headerAt - Wire.HEADER_BYTES;
        if (length > Wire.MAX_LENGTH_FIELD) {
            out.writerIndex(headerAt);
            throw new IllegalArgumentException("frame payload of " + length + " bytes exceeds the 24-bit length field");
        }
        out.setInt(headerAt, typeCode << 24 | length);
    }
}
