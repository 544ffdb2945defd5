package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.wire.Wire;
import io.connmgr.protocol.golden.GoldenVector;
import io.connmgr.protocol.golden.GoldenVectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Properties of the codec over generated input: valid frames round-trip, and no input at all, random or a damaged
 * valid stream, makes the decoder throw, emit anything but frames and at most one violation, keep bytes it has no use
 * for, or leak a buffer.
 *
 * <p>Each property runs jqwik's default number of tries (1000), which keeps the build quick. For a long fuzz run raise
 * it from the command line, which surefire passes on to the tests:
 * {@code mvn -pl control-protocol test -Dtest='FrameDecoderProperties' -Djqwik.tries.default=1000000}.
 * Leaks are checked twice: by reference count in each {@link DecoderHarness}, and by the PARANOID leak detector's own
 * reports over the whole run ({@link LeakWatch}).
 */
class FrameDecoderProperties {
    /** Valid frames whose pieces the splice mutation inserts into other streams. */
    private static final List<byte[]> SPLICE_SOURCES = GoldenVectors.frames().stream().map(GoldenVector::bytes).toList();

    @BeforeContainer
    static void watchLeaks() {
        LeakWatch.install();
    }

    @AfterContainer
    static void noLeakReported() {
        LeakWatch.assertNoLeaks();
    }

    @Property
    void anyValidFrame_roundTripsThroughEncoderAndDecoder(@ForAll("frames") Frame frame) {
        try (DecoderHarness harness = new DecoderHarness(Wire.MAX_LENGTH_FIELD)) {
            byte[] bytes = harness.encode(frame);

            assertThat(bytes).isEqualTo(FrameCodec.toBytes(frame));
            assertThat(bytes.length).isEqualTo(Wire.HEADER_BYTES + ((bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8
                    | (bytes[3] & 0xFF)));
            assertThat(harness.feed(bytes)).containsExactly(frame);
        }
    }

    @Property
    void anyValidStream_decodesToTheSameFramesHoweverItIsChunked(
            @ForAll("frameLists") List<Frame> frames, @ForAll("chunkSizes") List<Integer> chunkSizes) {
        try (DecoderHarness harness = new DecoderHarness(Wire.MAX_LENGTH_FIELD)) {
            feedChecked(harness, encodeAll(frames), chunkSizes);

            assertThat(harness.received()).containsExactlyElementsOf(frames);
        }
    }

    @Property
    void randomBytes_neverBreakTheDecoder(@ForAll @Size(max = 2048) byte[] stream,
                                          @ForAll @IntRange(max = 600) int maxFrameSize,
                                          @ForAll("chunkSizes") List<Integer> chunkSizes) {
        try (DecoderHarness harness = new DecoderHarness(maxFrameSize)) {
            feedChecked(harness, stream, chunkSizes);
        }
    }

    @Property
    void randomBytesAfterAValidPrefix_neverBreakTheDecoder(@ForAll("frameLists") List<Frame> frames,
                                                           @ForAll @Size(max = 512) byte[] garbage,
                                                           @ForAll("chunkSizes") List<Integer> chunkSizes) {
        byte[] valid = encodeAll(frames);
        byte[] stream = Arrays.copyOf(valid, valid.length + garbage.length);
        System.arraycopy(garbage, 0, stream, valid.length, garbage.length);
        try (DecoderHarness harness = new DecoderHarness(Wire.DEFAULT_MAX_FRAME_SIZE)) {
            feedChecked(harness, stream, chunkSizes);

            assertThat(harness.received()).startsWith(frames.toArray());
        }
    }

    @Property
    void mutatedValidStream_neverBreaksTheDecoder(@ForAll("frameLists") List<Frame> frames,
                                                  @ForAll("mutations") List<Mutation> mutations,
                                                  @ForAll @IntRange(min = 8, max = 400) int maxFrameSize,
                                                  @ForAll("chunkSizes") List<Integer> chunkSizes) {
        byte[] stream = Mutation.applyAll(encodeAll(frames), mutations);
        try (DecoderHarness harness = new DecoderHarness(maxFrameSize)) {
            feedChecked(harness, stream, chunkSizes);
        }
    }

    /**
     * Feeds {@code stream} in chunks and checks after every chunk: only frames and violations come out, at most one
     * violation and nothing after it, nothing is held after a violation, and otherwise every byte is either part of an
     * emitted frame or part of the one incomplete frame being waited for, which never exceeds header + limit.
     */
    static void feedChecked(DecoderHarness harness, byte[] stream, List<Integer> chunkSizes) {
        int fed = 0;
        long decodedBytes = 0;
        boolean violated = false;
        for (int i = 0; fed < stream.length; i++) {
            int size = Math.min(stream.length - fed, chunkSizes.get(i % chunkSizes.size()));
            List<Object> emitted = harness.feed(Arrays.copyOfRange(stream, fed, fed + size));
            fed += size;
            for (Object out : emitted) {
                if (violated) {
                    fail("emitted %s after a violation", out);
                }
                if (out instanceof ProtocolViolation) {
                    violated = true;
                } else if (out instanceof Frame frame) {
                    decodedBytes += FrameCodec.toBytes(frame).length;
                } else {
                    fail("emitted %s, neither a frame nor a violation", out);
                }
            }
            if (violated) {
                assertThat(harness.buffered()).as("bytes held after a violation").isZero();
            } else {
                assertThat(harness.buffered()).as("bytes held").isEqualTo(fed - decodedBytes)
                        .isLessThan(Wire.HEADER_BYTES + harness.maxFrameSize());
            }
        }
        String problem = harness.closeAndCheck();
        assertThat(problem).isNull();
    }

    static byte[] encodeAll(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(f -> out.writeBytes(FrameCodec.toBytes(f)));
        return out.toByteArray();
    }

    @Provide
    Arbitrary<Frame> frames() {
        return FrameArbitraries.frames();
    }

    @Provide
    Arbitrary<List<Frame>> frameLists() {
        return FrameArbitraries.frames().list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 4096))
                .list().ofMinSize(1).ofMaxSize(10);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.arbitrary(SPLICE_SOURCES);
    }
}
