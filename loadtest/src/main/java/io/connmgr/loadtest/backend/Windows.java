package io.connmgr.loadtest.backend;

import java.time.Duration;

/**
 * Consecutive windows of a run, for figures that must be compared over time (latency in the first window against
 * the last). Time before {@code warmup} belongs to no window; after it come {@code count} windows of
 * {@code windowNanos} each, and whatever is left at the end of the run joins the last one, so no window is a short
 * remnant with too few samples to compare.
 *
 * @param warmupNanos time from the start that no window covers
 * @param windowNanos length of each window
 * @param count       number of windows, at least 1
 */
public record Windows(long warmupNanos, long windowNanos, int count) {

    public Windows {
        if (warmupNanos < 0 || windowNanos <= 0 || count < 1) {
            throw new IllegalArgumentException("warm-up " + warmupNanos + " ns, window " + windowNanos + " ns, count "
                    + count);
        }
    }

    /**
     * The windows of a run of {@code total}: as many whole windows of {@code window} as fit after the warm-up, at
     * least one (then as long as what is left, or {@code window} if nothing is).
     */
    public static Windows over(Duration total, Duration warmup, Duration window) {
        long after = total.toNanos() - warmup.toNanos();
        long w = window.toNanos();
        if (w <= 0) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        if (after < w) {
            return new Windows(Math.max(0, warmup.toNanos()), after > 0 ? after : w, 1);
        }
        return new Windows(warmup.toNanos(), w, (int) Math.min(Integer.MAX_VALUE, after / w));
    }

    /** The window of a moment {@code tNanos} after the start: -1 in the warm-up, else 0 to count - 1. */
    public int indexOf(long tNanos) {
        if (tNanos < warmupNanos) {
            return -1;
        }
        return (int) Math.min(count - 1, (tNanos - warmupNanos) / windowNanos);
    }

    /** Start of window {@code i}, in seconds after the start of the run. */
    public double startSeconds(int i) {
        return (warmupNanos + (double) i * windowNanos) / 1e9;
    }
}
