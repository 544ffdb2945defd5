package io.connmgr.loadtest.progress;

import java.util.ArrayDeque;

/**
 * The rate of a growing count over the last few seconds: recent enough to follow a ramp that slows down, long enough
 * not to jump with every sample. Not thread-safe.
 */
public final class RateWindow {
    private record Sample(double t, long count) {
    }

    private final double windowSeconds;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    public RateWindow(double windowSeconds) {
        if (!(windowSeconds > 0)) {
            throw new IllegalArgumentException("the window must be positive");
        }
        this.windowSeconds = windowSeconds;
    }

    /** Records the count at time {@code t} (seconds, not decreasing). */
    public void add(double t, long count) {
        if (!samples.isEmpty() && t < samples.peekLast().t()) {
            throw new IllegalArgumentException("time went back: " + t + " after " + samples.peekLast().t());
        }
        samples.addLast(new Sample(t, count));
        // Keep one sample at or beyond the window's start, so the rate always spans the whole window once it can.
        while (samples.size() > 2) {
            var it = samples.iterator();
            it.next();
            if (t - it.next().t() >= windowSeconds) {
                samples.removeFirst();
            } else {
                break;
            }
        }
    }

    /** Per second over the window; NaN with fewer than two samples or no time between them. */
    public double ratePerSecond() {
        if (samples.size() < 2) {
            return Double.NaN;
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        double dt = last.t() - first.t();
        return dt > 0 ? (last.count() - first.count()) / dt : Double.NaN;
    }

    public void clear() {
        samples.clear();
    }
}
