package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
