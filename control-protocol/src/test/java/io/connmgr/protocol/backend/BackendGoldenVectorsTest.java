package io.connmgr.protocol.backend;

import io.connmgr.protocol.codec.DecoderHarness;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.golden.GoldenVector;
import io.connmgr.protocol.golden.GoldenVectors;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;

import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The control channel's golden vectors, both ways: exact bytes out, exact fields back, whole or one byte at a time. */
class BackendGoldenVectorsTest {

    static List<GoldenVector> frames() {
        return GoldenVectors.load(BackendGoldenFrames.RESOURCE);
    }

    static List<GoldenVector> violations() {
        return GoldenVectors.load(BackendGoldenFrames.VIOLATIONS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void encode_goldenFrame_thenExactlyTheGoldenBytes(GoldenVector vector) {
        BackendFrame frame = BackendGoldenFrames.toFrame(vector);
        try {
            assertThat(hex(BackendCodec.toBytes(frame))).isEqualTo(hex(vector.bytes()));
            assertThat(vector.unreadKeys()).as("fields of %s the test does not check", vector).isEmpty();
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void decode_goldenBytes_thenExactlyTheGoldenFields(GoldenVector vector) {
        BackendFrame expected = BackendGoldenFrames.toFrame(vector);
        byte[] bytes = vector.bytes();
        BackendFrameDecoder.Side receiver = expected.type().fromBackend()
                ? BackendFrameDecoder.Side.APPLIANCE : BackendFrameDecoder.Side.BACKEND;
        try (DecoderHarness whole = harness(receiver);
             DecoderHarness trickled = harness(receiver)) {
            List<Object> out = whole.feed(bytes);
            for (byte b : bytes) {
                trickled.feed(new byte[]{b});
            }
            for (List<Object> decoded : List.of(out, trickled.received())) {
                assertThat(decoded).hasSize(1).first().isInstanceOf(BackendFrame.class);
                BackendFrame frame = (BackendFrame) decoded.getFirst();
                // Records with byte arrays compare by identity; the encoding compares every field by value.
                assertThat(frame.getClass()).isEqualTo(expected.getClass());
                assertThat(hex(BackendCodec.toBytes(frame))).isEqualTo(hex(bytes));
                assertThat(frame.toString()).isEqualTo(expected.toString());
            }
        } finally {
            ReferenceCountUtil.release(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void decode_violationVector_thenExactlyThatReasonThenNothing(GoldenVector vector) {
        ReasonCode expected = ReasonCode.fromCode(vector.integer("violation"));
        try (DecoderHarness harness = harness(BackendFrameDecoder.Side.APPLIANCE)) {
            List<Object> emitted = harness.feed(vector.bytes());

            assertThat(emitted).hasSize(1).first().isInstanceOf(ProtocolViolation.class)
                    .extracting(v -> ((ProtocolViolation) v).reason()).isEqualTo(expected);
            assertThat(vector.unreadKeys()).isEmpty();
        }
    }

    @Test
    void frames_coverEveryTypeStatusEventKindAndPresence() {
        List<BackendFrame> frames = frames().stream().map(BackendGoldenFrames::toFrame).toList();
        try {
            assertThat(frames.stream().map(BackendFrame::type).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(BackendFrameType.class));
            assertThat(frames.stream().filter(BackendFrame.Result.class::isInstance)
                    .map(f -> ((BackendFrame.Result) f).status()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(BackendStatus.class));
            assertThat(frames.stream().filter(BackendFrame.PresenceEvent.class::isInstance)
                    .map(f -> ((BackendFrame.PresenceEvent) f).kind()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(PresenceKind.class));
            assertThat(frames.stream().filter(BackendFrame.PresenceEvent.class::isInstance)
                    .map(f -> ((BackendFrame.PresenceEvent) f).tier()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(PresenceTier.class));
            assertThat(frames.stream().map(f -> f.getClass().getSimpleName()).collect(Collectors.toSet()))
                    .contains("UplinkEvent", "PresenceEvent", "EventLoss");
            assertThat(frames().stream().map(GoldenVector::name)).doesNotHaveDuplicates();
        } finally {
            frames.forEach(ReferenceCountUtil::release);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static DecoderHarness harness(BackendFrameDecoder.Side side) {
        return new DecoderHarness(new BackendFrameDecoder(Wire.DEFAULT_MAX_FRAME_SIZE, side));
    }
}
