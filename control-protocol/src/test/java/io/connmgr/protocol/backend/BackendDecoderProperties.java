package io.connmgr.protocol.backend;

import io.connmgr.protocol.codec.DecoderHarness;
import io.connmgr.protocol.codec.LeakWatch;
import io.connmgr.protocol.codec.Mutation;
import io.connmgr.protocol.codec.ProtocolViolation;
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
 * No input, random or a damaged stream of valid control-channel frames, makes the back-end decoder throw, emit
 * anything but frames and at most one violation, or leak a buffer (the build runs with PARANOID leak detection, and
 * {@link LeakWatch} fails the run on any leak it reports). Tries: jqwik's default, 1000 per property;
 * {@code -Djqwik.tries.default=1000000} for a long run by hand.
 */
class BackendDecoderProperties {
    private static final List<byte[]> VALID = GoldenVectors.load(BackendGoldenFrames.RESOURCE).stream()
            .map(GoldenVector::bytes).toList();

    @Property
    void randomBytes_neverBreakTheDecoder(@ForAll @Size(max = 2048) byte[] stream,
                                          @ForAll @IntRange(max = 600) int maxFrameSize,
                                          @ForAll("chunkSizes") List<Integer> chunkSizes,
                                          @ForAll BackendFrameDecoder.Side side) {
        feedChecked(stream, maxFrameSize, side, chunkSizes);
    }

    @Property
    void mutatedValidStream_neverBreaksTheDecoder(@ForAll("validStreams") byte[] valid,
                                                  @ForAll("positions") List<Integer> flips,
                                                  @ForAll @IntRange(min = 0, max = 64) int truncateBy,
                                                  @ForAll @IntRange(min = 8, max = 400) int maxFrameSize,
                                                  @ForAll("chunkSizes") List<Integer> chunkSizes,
                                                  @ForAll BackendFrameDecoder.Side side) {
        byte[] stream = valid.clone();
        for (int position : flips) {
            stream[position % stream.length] ^= (byte) (1 << (position % 8));
        }
        stream = Arrays.copyOf(stream, Math.max(0, stream.length - truncateBy));
        feedChecked(stream, maxFrameSize, side, chunkSizes);
    }

    /** The shared damage kinds, splicing in pieces of other valid frames and setting length fields to extremes. */
    @Property
    void spliceAndLengthExtremes_neverBreakTheDecoder(@ForAll("validStreams") byte[] valid,
                                                      @ForAll("mutations") List<Mutation> mutations,
                                                      @ForAll @IntRange(min = 8, max = 1 << 20) int maxFrameSize,
                                                      @ForAll("chunkSizes") List<Integer> chunkSizes,
                                                      @ForAll BackendFrameDecoder.Side side) {
        feedChecked(Mutation.applyAll(valid, mutations), maxFrameSize, side, chunkSizes);
    }

    @BeforeContainer
    static void watchLeaks() {
        LeakWatch.install();
    }

    @AfterContainer
    static void noLeakReported() {
        LeakWatch.assertNoLeaks();
    }

    @Property
    void validStream_decodesWhollyHoweverItIsChunked(@ForAll("validStreams") byte[] stream,
                                                     @ForAll("chunkSizes") List<Integer> chunkSizes) {
        // Appliance-bound and back-end-bound frames are mixed, so decode with the side each frame is for.
        try (DecoderHarness appliance =
                     new DecoderHarness(new BackendFrameDecoder(1 << 20, BackendFrameDecoder.Side.APPLIANCE))) {
            feed(appliance, stream, chunkSizes);
            List<Object> out = appliance.received();
            assertThat(out).isNotEmpty();
            assertThat(out.subList(0, out.size() - 1)).allMatch(BackendFrame.class::isInstance);
        }
    }

    private static void feedChecked(byte[] stream, int maxFrameSize, BackendFrameDecoder.Side side,
                                    List<Integer> chunkSizes) {
        try (DecoderHarness harness = new DecoderHarness(new BackendFrameDecoder(maxFrameSize, side))) {
            feed(harness, stream, chunkSizes);
            boolean violated = false;
            for (Object out : harness.received()) {
                if (violated) {
                    fail("emitted %s after a violation", out);
                }
                if (out instanceof ProtocolViolation) {
                    violated = true;
                } else if (!(out instanceof BackendFrame)) {
                    fail("emitted %s, neither a frame nor a violation", out);
                }
            }
        }
    }

    private static void feed(DecoderHarness harness, byte[] stream, List<Integer> chunkSizes) {
        int fed = 0;
        for (int i = 0; fed < stream.length; i++) {
            int size = Math.min(stream.length - fed, chunkSizes.get(i % chunkSizes.size()));
            harness.feed(Arrays.copyOfRange(stream, fed, fed + size));
            fed += size;
        }
    }

    @Provide
    Arbitrary<byte[]> validStreams() {
        return Arbitraries.of(VALID).list().ofMinSize(1).ofMaxSize(12).map(frames -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            frames.forEach(out::writeBytes);
            return out.toByteArray();
        });
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.arbitrary(VALID);
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 4096))
                .list().ofMinSize(1).ofMaxSize(10);
    }
}
