package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The field readers both channels' decoders share. */
class FieldsTest {

    private static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer();
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }

    private static ByteBuf str8(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte(utf8.length).writeBytes(utf8);
    }

    private interface Reader {
        Object read(ByteBuf in) throws MalformedFrameException;
    }

    private static void assertRefused(Reader reader, ByteBuf in, ReasonCode reason, String detail) {
        try {
            assertThatThrownBy(() -> reader.read(in)).isInstanceOfSatisfying(MalformedFrameException.class, e -> {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.getMessage()).contains(detail);
            });
        } finally {
            in.release();
        }
    }

    @Test
    void deviceId_readsALengthPrefixedValidId() throws Exception {
        ByteBuf in = str8("Gerät-7").writeByte(0x42);
        try {
            assertThat(Fields.deviceId(in)).isEqualTo("Gerät-7");
            assertThat(in.readableBytes()).isEqualTo(1);
        } finally {
            in.release();
        }
    }

    @Test
    void deviceId_badLengthOrContent_isInvalidDeviceId() {
        assertRefused(Fields::deviceId, bytes(0), ReasonCode.INVALID_DEVICE_ID, "1..128 bytes, got 0");
        assertRefused(Fields::deviceId, Unpooled.buffer().writeByte(129).writeZero(129),
                ReasonCode.INVALID_DEVICE_ID, "got 129");
        assertRefused(Fields::deviceId, bytes(2, 0xC0, 0x80), ReasonCode.INVALID_DEVICE_ID, "not valid UTF-8");
        assertRefused(Fields::deviceId, str8("a/b"), ReasonCode.INVALID_DEVICE_ID, "slashes");
    }

    @Test
    void deviceId_truncated_isAProtocolError() {
        assertRefused(Fields::deviceId, bytes(), ReasonCode.PROTOCOL_ERROR, "truncated");
        assertRefused(Fields::deviceId, bytes(5, 'a', 'b'), ReasonCode.PROTOCOL_ERROR, "truncated");
    }

    @Test
    void streamId_anyButZero() throws Exception {
        ByteBuf in = bytes(0xFF, 0xFF, 0xFF, 0xFF);
        try {
            assertThat(Fields.streamId(in)).isEqualTo(-1);
        } finally {
            in.release();
        }
        assertRefused(Fields::streamId, bytes(0, 0, 0, 0), ReasonCode.PROTOCOL_ERROR, "stream id 0");
        assertRefused(Fields::streamId, bytes(0, 0, 1), ReasonCode.PROTOCOL_ERROR, "truncated");
    }
}
