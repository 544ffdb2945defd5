package io.connmgr.protocol.golden;

import io.connmgr.protocol.codec.DecoderHarness;
import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The golden vectors are the contract with implementations in other languages: the codec must produce exactly these
 * bytes and read them back to exactly these fields, and must refuse the violation vectors with their reason codes.
 */
class GoldenVectorsTest {

    static List<GoldenVector> frames() {
        return GoldenVectors.frames();
    }

    static List<GoldenVector> violations() {
        return GoldenVectors.violations();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void encode_goldenFrame_thenExactlyTheGoldenBytes(GoldenVector vector) {
        Frame frame = GoldenFrames.toFrame(vector);

        assertThat(HexFormat.of().formatHex(FrameCodec.toBytes(frame)))
                .isEqualTo(HexFormat.of().formatHex(vector.bytes()));
        assertThat(vector.unreadKeys()).as("fields of %s the test does not check", vector)
                .isSubsetOf(Set.of("bytes", "fleet_key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void decode_goldenBytes_thenExactlyTheGoldenFields(GoldenVector vector) {
        Frame expected = GoldenFrames.toFrame(vector);
        byte[] bytes = vector.bytes();
        try (DecoderHarness whole = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE);
             DecoderHarness trickled = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            assertThat(whole.feed(bytes)).containsExactly(expected);
            for (byte b : bytes) {
                trickled.feed(new byte[] {b});
            }
            assertThat(trickled.received()).containsExactly(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void decode_violationVector_thenExactlyThatReasonThenNothing(GoldenVector vector) {
        int maxFrameSize = vector.has("max_frame_size") ? vector.integer("max_frame_size") : Wire.DEFAULT_MAX_FRAME_SIZE;
        ReasonCode expected = ReasonCode.fromCode(vector.integer("violation"));
        try (DecoderHarness harness = new DecoderHarness(maxFrameSize)) {
            List<Object> emitted = harness.feed(vector.bytes());

            assertThat(emitted).isNotEmpty();
            assertThat(emitted.getLast()).isInstanceOf(ProtocolViolation.class)
                    .extracting(v -> ((ProtocolViolation) v).reason()).isEqualTo(expected);
            assertThat(emitted.subList(0, emitted.size() - 1)).allMatch(Frame.class::isInstance);
            assertThat(harness.buffered()).isZero();
            assertThat(vector.unreadKeys()).isEmpty();
        }
    }

    @Test
    void frames_coverEveryFrameTypeOpcodeAndStatus() {
        List<Frame> frames = frames().stream().map(GoldenFrames::toFrame).toList();

        Set<FrameType> types = frames.stream().map(Frame::type).collect(Collectors.toSet());
        Set<FrameType> implemented = EnumSet.allOf(FrameType.class);
        implemented.removeIf(FrameType::isReserved);
        assertThat(types).containsExactlyInAnyOrderElementsOf(implemented);

        assertThat(frames.stream().filter(Cmd.class::isInstance).map(f -> ((Cmd) f).command()))
                .containsAll(EnumSet.allOf(CmdOpcode.class));
        assertThat(frames.stream().filter(CmdResult.class::isInstance).map(f -> ((CmdResult) f).status()))
                .containsAll(EnumSet.allOf(CmdStatus.class));
        assertThat(frames.stream().filter(Hello.class::isInstance).map(f -> ((Hello) f).hasResumeToken()))
                .contains(true, false);
    }

    @Test
    void frames_coverEveryHelloAndWelcomeFlag() {
        List<Frame> frames = frames().stream().map(GoldenFrames::toFrame).toList();
        List<Hello> hellos = frames.stream().filter(Hello.class::isInstance).map(Hello.class::cast).toList();
        List<Welcome> welcomes = frames.stream().filter(Welcome.class::isInstance).map(Welcome.class::cast).toList();

        assertThat(hellos).extracting(Hello::flags).contains(0, Hello.FLAG_ON_DEMAND, Hello.FLAG_DIRECT_ADDRESS,
                Hello.KNOWN_FLAGS);
        assertThat(hellos).extracting(Hello::directAddress).filteredOn(java.util.Objects::nonNull)
                .extracting(a -> a.host().contains(":"), DirectAddress::hasPort)
                .contains(org.assertj.core.groups.Tuple.tuple(true, false),
                        org.assertj.core.groups.Tuple.tuple(false, true),
                        org.assertj.core.groups.Tuple.tuple(false, false));
        assertThat(welcomes).extracting(Welcome::flags).contains(0, Welcome.FLAG_RESUMED,
                Welcome.FLAG_STAY_CONNECTED);
    }

    @Test
    void frames_namesAreUnique() {
        List<String> names = frames().stream().map(GoldenVector::name).toList();
        List<String> violationNames = violations().stream().map(GoldenVector::name).toList();

        assertThat(names).doesNotHaveDuplicates();
        assertThat(violationNames).doesNotHaveDuplicates();
    }

    @Test
    void fleetSignedVector_credentialIsHexHmacOfTheDeviceId() throws GeneralSecurityException {
        GoldenVector vector = frames().stream().filter(v -> v.has("fleet_key")).findFirst().orElseThrow();
        Hello hello = (Hello) GoldenFrames.toFrame(vector);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(vector.text("fleet_key").getBytes(StandardCharsets.UTF_8), "HmacSHA256"));

        String expected = HexFormat.of().formatHex(mac.doFinal(hello.deviceId().getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(hello.credential(), StandardCharsets.US_ASCII)).isEqualTo(expected).hasSize(64);
    }

    @Test
    void parse_whenDuplicateKeyOrStrayLine_thenRefused() {
        assertThatThrownBy(() -> GoldenVectors.parse("t", "[a]\nx = 1\nx = 2\n"))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> GoldenVectors.parse("t", "x = 1\n"))
                .hasMessageContaining("t:1");
        assertThat(GoldenVectors.parse("t", "# c\n\n[a]\nbytes = 05 | 000000\n").getFirst().bytes())
                .containsExactly(5, 0, 0, 0);
    }
}
