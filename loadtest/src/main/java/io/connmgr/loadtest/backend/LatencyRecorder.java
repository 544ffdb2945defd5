package io.connmgr.loadtest.backend;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * Latencies of one kind of call in nanoseconds: a histogram of the whole run and, when {@link Windows} are given, one
 * per window, placed by when the call was due. Thread-safe: calls complete on event loops and workers.
 */
public final class LatencyRecorder {
    /** Longest latency tracked; anything longer is recorded as this (calls time out well before). */
    public static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final Histogram all = new Histogram(HIGHEST_NANOS, 3);
    private final Windows windows;
    private final Histogram[] perWindow;
    private final long originNanos;

    /** Without windows. */
    public LatencyRecorder() {
        this(null, System.nanoTime());
    }

    /**
     * @param windows     null for none
     * @param originNanos {@link System#nanoTime()} of the start of the run the windows count from
     */
    public LatencyRecorder(Windows windows, long originNanos) {
        this.windows = windows;
        this.originNanos = originNanos;
        this.perWindow = new Histogram[windows == null ? 0 : windows.count()];
        for (int i = 0; i < perWindow.length; i++) {
            perWindow[i] = new Histogram(HIGHEST_NANOS, 3);
        }
    }

    /** Records {@code endNanos - startNanos}; the window is the one {@code startNanos} falls in. */
    public synchronized void record(long startNanos, long endNanos) {
        long v = Math.min(HIGHEST_NANOS, Math.max(0, endNanos - startNanos));
        all.recordValue(v);
        if (windows != null) {
            int w = windows.indexOf(startNanos - originNanos);
            if (w >= 0) {
                perWindow[w].recordValue(v);
            }
        }
    }

    /** A copy of the whole run's histogram. */
    public synchronized Histogram all() {
        return all.copy();
    }

    public synchronized long count() {
        return all.getTotalCount();
    }

    public Windows windows() {
        return windows;
    }

    /** A copy of window {@code i}'s histogram. */
    public synchronized Histogram window(int i) {
        return perWindow[i].copy();
    }

    public synchronized void reset() {
        all.reset();
        for (Histogram h : perWindow) {
            h.reset();
        }
    }
}
