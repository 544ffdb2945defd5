package io.connmgr.protocol.codec;

import io.connmgr.protocol.golden.GoldenFrames;
import io.connmgr.protocol.golden.GoldenVector;
import io.connmgr.protocol.golden.GoldenVectors;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Frames through {@link FrameEncoder} and back through {@link FrameDecoder}, however the bytes are cut up. */
class FrameRoundTripTest {

    static List<Frame> sampleFrames() {
        List<Frame> frames = new ArrayList<>();
        for (GoldenVector v : GoldenVectors.frames()) {
            frames.add(GoldenFrames.toFrame(v));
        }
        return frames;
    }

    @ParameterizedTest
    @MethodSource("sampleFrames")
    void roundTrip_eachFrame_thenDecodesEqualFrame(Frame frame) {
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            byte[] bytes = harness.encode(frame);

            assertThat(bytes).isEqualTo(FrameCodec.toBytes(frame));
            assertThat(harness.feed(bytes)).containsExactly(frame);
            assertThat(harness.buffered()).isZero();
        }
    }

    @Test
    void roundTrip_whenDeliveredByteByByte_thenSameFramesInOrder() {
        List<Frame> frames = sampleFrames();
        byte[] stream = encodeAll(frames);
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            for (int i = 0; i < stream.length; i++) {
                harness.feed(new byte[] {stream[i]});
                assertThat(harness.buffered()).isLessThan(Wire.HEADER_BYTES + Wire.DEFAULT_MAX_FRAME_SIZE);
            }
            assertThat(harness.received()).containsExactlyElementsOf(frames);
            assertThat(harness.buffered()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 7700})
    void roundTrip_whenDeliveredInRandomChunks_thenSameFramesInOrder(long seed) {
        Random random = new Random(seed);
        List<Frame> frames = sampleFrames();
        byte[] stream = encodeAll(frames);
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            for (int at = 0; at < stream.length; ) {
                int size = Math.min(stream.length - at, 1 + random.nextInt(40));
                harness.feed(Arrays.copyOfRange(stream, at, at + size));
                at += size;
            }
            assertThat(harness.received()).containsExactlyElementsOf(frames);
        }
    }

    @Test
    void roundTrip_whenManyFramesInOneBuffer_thenAllEmittedInOrder() {
        List<Frame> frames = new ArrayList<>();
        for (int i = 1; i <= 5_000; i++) {
            frames.add(switch (i % 4) {
                case 0 -> new Msg(i, ("m" + i).getBytes());
                case 1 -> new Ack(i);
                case 2 -> Ping.INSTANCE;
                default -> new Cmd(i & 0xFFFF, CmdOpcode.SET_KEEPALIVE, i);
            });
        }
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            assertThat(harness.feed(encodeAll(frames))).containsExactlyElementsOf(frames);
            assertThat(harness.buffered()).isZero();
        }
    }

    @Test
    void roundTrip_whenPayloadExactlyMaxFrameSize_thenAccepted() {
        int max = 4096;
        Msg msg = new Msg(1, new byte[max - 8]);
        try (DecoderHarness harness = new DecoderHarness(max)) {
            assertThat(harness.feed(harness.encode(msg))).containsExactly(msg);
        }
    }

    @Test
    void roundTrip_whenHeaderThenPayloadArriveSeparately_thenBuffersOnlyTheFrame() {
        Msg msg = new Msg(9, new byte[1000]);
        byte[] bytes = FrameCodec.toBytes(msg);
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            assertThat(harness.feed(Arrays.copyOf(bytes, 500))).isEmpty();
            assertThat(harness.buffered()).isEqualTo(500);

            assertThat(harness.feed(Arrays.copyOfRange(bytes, 500, bytes.length))).containsExactly(msg);
            assertThat(harness.buffered()).isZero();
        }
    }

    @Test
    void encode_pingAndPong_thenTheFixedBytesTheSleepTierCompares() {
        assertThat(FrameCodec.toBytes(Ping.INSTANCE)).isEqualTo(Wire.ping()).isEqualTo(TestBytes.hex("05 000000"));
        assertThat(FrameCodec.toBytes(Pong.INSTANCE)).isEqualTo(Wire.pong()).isEqualTo(TestBytes.hex("06 000000"));
    }

    @Test
    void wire_pingAndPong_thenCallersGetPrivateCopies() {
        Wire.ping()[0] = 0;
        Wire.pong()[0] = 0;

        assertThat(Wire.ping()[0]).isEqualTo((byte) 0x05);
        assertThat(Wire.pong()[0]).isEqualTo((byte) 0x06);
    }

    @Test
    void encode_whenPayloadExceedsTheLengthField_thenRefusedAndBufferUntouched() {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(0x42);
            Msg huge = new Msg(1, new byte[Wire.MAX_LENGTH_FIELD]); // 8 bytes of seq push it over

            assertThatThrownBy(() -> FrameCodec.encode(huge, out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("24-bit");
            assertThat(out.writerIndex()).isEqualTo(1);
        } finally {
            out.release();
        }
    }

    @Test
    void encode_whenHelloFieldLongerThanItsLengthByte_thenRefused() {
        Hello hello = new Hello(1, 0, 0, "d", new byte[256], new byte[0]);

        assertThatThrownBy(() -> FrameCodec.toBytes(hello)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credential");
    }

    static byte[] encodeAll(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(f -> out.writeBytes(FrameCodec.toBytes(f)));
        return out.toByteArray();
    }
}
