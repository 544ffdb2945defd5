package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static io.connmgr.protocol.codec.TestBytes.concat;
import static io.connmgr.protocol.codec.TestBytes.frame;
import static io.connmgr.protocol.codec.TestBytes.hex;
import static io.connmgr.protocol.codec.TestBytes.shortBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the decoder does with input that breaks the protocol: one {@link ProtocolViolation} with the right reason, as
 * early as the bytes allow, then silence. Every test closes its harness, which fails on an unreleased buffer.
 */
class FrameDecoderTest {
    private static final String DEVICE_ID = shortBytes("sensor-0001".getBytes(StandardCharsets.UTF_8));
    private static final String CREDENTIAL = shortBytes("t".getBytes(StandardCharsets.UTF_8));

    /** HELLO payload with the given pieces; everything else as in a valid first connection. */
    private static String hello(String magic, String version, String flags, String deviceId, String resumeToken) {
        return magic + version + flags + "003c" + "00000001" + deviceId + CREDENTIAL + resumeToken;
    }

    private static byte[] helloWithDeviceId(byte[] id) {
        return frame(FrameType.HELLO, hello("434d", "01", "00", shortBytes(id), "00"));
    }

    private static ProtocolViolation singleViolation(byte[]... chunks) {
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            List<Object> emitted = harness.feed(chunks);
            assertThat(emitted).hasSize(1).first().isInstanceOf(ProtocolViolation.class);
            assertThat(harness.buffered()).isZero();
            return (ProtocolViolation) emitted.getFirst();
        }
    }

    @Test
    void decode_whenOversizedFrame_thenEmitsFrameTooLarge() {
        try (DecoderHarness harness = new DecoderHarness(1024)) {
            // Only the header: the limit is enforced before a single payload byte is awaited or buffered.
            List<Object> emitted = harness.feed(hex("07 000401"));

            assertThat(emitted).singleElement().isInstanceOf(ProtocolViolation.class)
                    .extracting(v -> ((ProtocolViolation) v).reason()).isEqualTo(ReasonCode.FRAME_TOO_LARGE);
            assertThat(harness.buffered()).isZero();
        }
    }

    @Test
    void decode_whenLengthFieldAtItsMaximum_thenEmitsFrameTooLargeWithDefaultLimit() {
        assertThat(singleViolation(hex("07 ffffff")).reason()).isEqualTo(ReasonCode.FRAME_TOO_LARGE);
    }

    @Test
    void decode_whenLengthEqualsLimit_thenWaitsForThePayload() {
        try (DecoderHarness harness = new DecoderHarness(1024)) {
            assertThat(harness.feed(hex("07 000400"))).isEmpty();
            assertThat(harness.buffered()).isEqualTo(Wire.HEADER_BYTES);
        }
    }

    @Test
    void decode_whenHeaderIncomplete_thenWaitsWithoutEmitting() {
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            assertThat(harness.feed(hex("07"), hex("00"), hex("00"))).isEmpty();
            assertThat(harness.buffered()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x0B, 0x1F, 0x28, 0x32, 0x47, 0x4F, 0x80, 0xFF})
    void decode_whenUnknownTypeByte_thenEmitsProtocolErrorOnTheFirstByte(int code) {
        ProtocolViolation violation = singleViolation(new byte[] {(byte) code});

        assertThat(violation.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(violation.detail()).contains("0x%02x".formatted(code));
    }

    @Test
    void decode_whenHttpRequest_thenEmitsProtocolError() {
        byte[] http = "GET / HTTP/1.1\r\nHost: appliance\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(singleViolation(http).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @EnumSource(value = FrameType.class, mode = EnumSource.Mode.MATCH_ANY,
            names = {"BACKEND_.*"})
    void decode_whenReservedType_thenEmitsUnknownFrameTypeOnTheFirstByte(FrameType reserved) {
        assertThat(reserved.isReserved()).isTrue();

        assertThat(singleViolation(new byte[] {(byte) reserved.code()}).reason())
                .isEqualTo(ReasonCode.UNKNOWN_FRAME_TYPE);
    }

    @Test
    void decode_whenReservedTypeDecodedDirectly_thenCodecRefusesItToo() {
        assertThatThrownBy(() -> FrameCodec.decode(FrameType.BACKEND_HELLO, io.netty.buffer.Unpooled.EMPTY_BUFFER))
                .isInstanceOf(MalformedFrameException.class)
                .extracting(e -> ((MalformedFrameException) e).reason()).isEqualTo(ReasonCode.UNKNOWN_FRAME_TYPE);
    }

    @Test
    void decode_whenWrongMagic_thenEmitsProtocolError() {
        byte[] bytes = frame(FrameType.HELLO, hello("4d43", "01", "00", DEVICE_ID, "00"));

        assertThat(singleViolation(bytes).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"00", "02", "ff"})
    void decode_whenWrongVersion_thenEmitsUnsupportedVersion(String version) {
        byte[] bytes = frame(FrameType.HELLO, hello("434d", version, "00", DEVICE_ID, "00"));

        ProtocolViolation violation = singleViolation(bytes);
        assertThat(violation.reason()).isEqualTo(ReasonCode.UNSUPPORTED_VERSION);
        assertThat(violation.detail()).contains("speaks 1");
    }

    @Test
    void decode_whenNewerVersionWithUnknownLayout_thenStillEmitsUnsupportedVersion() {
        // A version-2 HELLO may look entirely different after the version byte; it must not read as truncation.
        assertThat(singleViolation(frame(FrameType.HELLO, "434d 02 ff")).reason())
                .isEqualTo(ReasonCode.UNSUPPORTED_VERSION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"04", "08", "80", "fc", "ff"})
    void decode_whenHelloReservedFlagBitSet_thenEmitsProtocolError(String flags) {
        byte[] bytes = frame(FrameType.HELLO, hello("434d", "01", flags, DEVICE_ID, "00"));

        assertThat(singleViolation(bytes).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "434d",                                  // HELLO cut after the magic
            "434d 01 00 003c 00000001 0b 73656e73",  // HELLO cut inside the device id
            "434d 01 00 003c 00000001 0b 73656e736f722d30303031 05 7474",  // ...inside the credential
            "434d 01 00 003c 00000001 0b 73656e736f722d30303031 01 74",     // ...before the resume token length
    })
    void decode_whenHelloPayloadTruncated_thenEmitsProtocolError(String payload) {
        assertThat(singleViolation(frame(FrameType.HELLO, payload)).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"02:01 00 003c", "03:", "04:07 0000", "07:00000000", "08:00000000000001",
            "09:0001 01 0000", "0a:0001"})
    void decode_whenPayloadTruncated_thenEmitsProtocolError(String typeAndPayload) {
        String[] parts = typeAndPayload.split(":", -1);
        byte[] bytes = frame(Integer.parseInt(parts[0], 16), parts[1]);

        ProtocolViolation violation = singleViolation(bytes);
        assertThat(violation.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(violation.detail()).contains("truncated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"05:00", "06:00", "08:0000000000000001 00", "09:0001 01 0000012c 00", "0a:0001 00 00"})
    void decode_whenTrailingBytes_thenEmitsProtocolError(String typeAndPayload) {
        String[] parts = typeAndPayload.split(":", -1);

        ProtocolViolation violation = singleViolation(frame(Integer.parseInt(parts[0], 16), parts[1]));
        assertThat(violation.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(violation.detail()).contains("trailing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"61c328", "61eda080", "61c0af", "ff", "61e282"})
    void decode_whenDeviceIdInvalidUtf8_thenEmitsInvalidDeviceId(String idHex) {
        byte[] bytes = helloWithDeviceId(HexFormat.of().parseHex(idHex));

        assertThat(singleViolation(bytes).reason()).isEqualTo(ReasonCode.INVALID_DEVICE_ID);
    }

    @Test
    void decode_whenDeviceIdEmpty_thenEmitsInvalidDeviceId() {
        assertThat(singleViolation(helloWithDeviceId(new byte[0])).reason()).isEqualTo(ReasonCode.INVALID_DEVICE_ID);
    }

    @Test
    void decode_whenDeviceIdOverlong_thenEmitsInvalidDeviceId() {
        byte[] id = "d".repeat(Wire.MAX_DEVICE_ID_BYTES + 1).getBytes(StandardCharsets.UTF_8);

        assertThat(singleViolation(helloWithDeviceId(id)).reason()).isEqualTo(ReasonCode.INVALID_DEVICE_ID);
    }

    @Test
    void decode_whenDeviceIdExactly128Bytes_thenAccepted() {
        String id = "é".repeat(Wire.MAX_DEVICE_ID_BYTES / 2);
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            List<Object> emitted = harness.feed(helloWithDeviceId(id.getBytes(StandardCharsets.UTF_8)));

            assertThat(emitted).singleElement().isInstanceOf(Hello.class)
                    .extracting(h -> ((Hello) h).deviceId()).isEqualTo(id);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sensor 1", "sensor\t1", "line\nbreak", "nul\0", "del\u007f", "c1\u0085", "nbsp\u00a0",
            "thin\u2009space", "ideographic\u3000space", "line\u2028sep", "site/1", "site\\1"})
    void decode_whenDeviceIdHasForbiddenCharacter_thenEmitsInvalidDeviceId(String id) {
        ProtocolViolation violation = singleViolation(helloWithDeviceId(id.getBytes(StandardCharsets.UTF_8)));

        assertThat(violation.reason()).isEqualTo(ReasonCode.INVALID_DEVICE_ID);
    }

    @Test
    void decode_whenDeviceIdLengthPointsPastThePayload_thenEmitsProtocolErrorNotInvalidDeviceId() {
        byte[] bytes = frame(FrameType.HELLO, "434d 01 00 003c 00000001 0b 736565");

        assertThat(singleViolation(bytes).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 15, 17, 32, 255})
    void decode_whenResumeTokenOfWrongLength_thenEmitsProtocolError(int length) {
        String token = shortBytes(new byte[length]);
        byte[] bytes = frame(FrameType.HELLO, hello("434d", "01", "00", DEVICE_ID, token));

        ProtocolViolation violation = singleViolation(bytes);
        assertThat(violation.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(violation.detail()).contains("resume token");
    }

    @Test
    void decode_whenUnknownCmdResultStatus_thenEmitsProtocolError() {
        assertThat(singleViolation(frame(FrameType.CMD_RESULT, "0001 04")).reason())
                .isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @Test
    void decode_whenRejectMessageNotUtf8_thenEmitsProtocolError() {
        assertThat(singleViolation(frame(FrameType.REJECT, "01 c3")).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @Test
    void decode_whenUnknownOpcodeOrReason_thenKeepsTheRawCodeForTheHandler() {
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            List<Object> emitted = harness.feed(frame(FrameType.CMD, "0007 7f 00000001"),
                    frame(FrameType.REJECT, "fe"), frame(FrameType.GOAWAY, "fd ffffffff"));

            assertThat(emitted).containsExactly(new Cmd(7, 0x7f, 1), new Reject(0xfe, ""),
                    new GoAway(0xfd, 0xFFFF_FFFFL, ""));
            assertThat(((Cmd) emitted.get(0)).command()).isNull();
            assertThat(((Reject) emitted.get(1)).reason()).isNull();
        }
    }

    @Test
    void decode_afterViolation_thenDiscardsAllFurtherInputAndEmitsNothingMore() {
        byte[] ping = Wire.ping();
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            List<Object> first = harness.feed(concat(ping, hex("00"), ping, ping));

            assertThat(first).hasSize(2);
            assertThat(first.get(0)).isEqualTo(Ping.INSTANCE);
            assertThat(first.get(1)).isInstanceOf(ProtocolViolation.class);

            for (int i = 0; i < 100; i++) {
                assertThat(harness.feed(ping, new byte[4096])).isEmpty();
                assertThat(harness.buffered()).isZero();
            }
        }
    }

    @Test
    void decode_whenViolationSplitAcrossReads_thenReportedOnceTheOffendingByteArrives() {
        byte[] bytes = frame(FrameType.HELLO, hello("434d", "07", "00", DEVICE_ID, "00"));
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            for (byte b : bytes) {
                harness.feed(new byte[] {b});
            }
            assertThat(harness.received()).singleElement().isInstanceOf(ProtocolViolation.class)
                    .extracting(v -> ((ProtocolViolation) v).reason()).isEqualTo(ReasonCode.UNSUPPORTED_VERSION);
        }
    }

    @Test
    void decode_whenChannelClosesMidFrame_thenNothingLeaksAndNothingIsEmitted() {
        DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE);
        harness.feed(hex("07 000100 | 00000000"));

        assertThat(harness.buffered()).isEqualTo(8);
        assertThat(harness.closeAndCheck()).isNull();
        assertThat(harness.received()).isEmpty();
    }

    @Test
    void constructor_whenMaxFrameSizeOutOfRange_thenRefused() {
        assertThatThrownBy(() -> new FrameDecoder(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameDecoder(Wire.MAX_LENGTH_FIELD + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
