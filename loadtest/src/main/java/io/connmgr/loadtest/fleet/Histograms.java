package io.connmgr.loadtest.fleet;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;

/**
 * Latency histograms across processes: a worker sends its histogram as base64 of HdrHistogram's compressed form in its
 * JSON reply, and the coordinator adds the workers' histograms up, so percentiles are those of every sample, never an
 * average of percentiles.
 */
public final class Histograms {
    /** The longest latency any histogram here records: 60 s, in nanoseconds. */
    public static final long HIGHEST_NANOS = 60_000_000_000L;

    private Histograms() {
    }

    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }

    /** A new histogram holding every sample of all {@code parts}. */
    public static Histogram merge(Iterable<Histogram> parts) {
        Histogram total = new Histogram(HIGHEST_NANOS, 3);
        for (Histogram h : parts) {
            total.add(h);
        }
        return total;
    }
}
