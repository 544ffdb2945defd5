package io.connmgr.loadtest.backend;

import java.time.Duration;

/**
 * When the calls of an open-loop run are due: call {@code i} at {@code i / rate} seconds after the start, for as many
 * calls as both bounds allow (a count and a duration; the first reached ends the run).
 *
 * @param ratePerSecond calls per second, positive
 * @param count         calls in the run: the smaller of the count bound and what the duration holds at this rate
 */
public record Schedule(double ratePerSecond, long count) {

    public Schedule {
        if (!(ratePerSecond > 0) || count < 0) {
            throw new IllegalArgumentException("rate " + ratePerSecond + "/s, count " + count);
        }
    }

    /**
     * @param maxCount    at most this many calls; {@code <= 0} for no count bound (then the duration decides)
     * @param maxDuration calls are due only before this; null for no time bound (then the count decides)
     */
    public static Schedule of(double ratePerSecond, long maxCount, Duration maxDuration) {
        if (maxCount <= 0 && maxDuration == null) {
            throw new IllegalArgumentException("a run needs a count or a duration bound");
        }
        long byTime = maxDuration == null ? Long.MAX_VALUE
                : (long) Math.ceil(maxDuration.toNanos() / 1e9 * ratePerSecond - 1e-9);
        long n = maxCount <= 0 ? byTime : Math.min(maxCount, byTime);
        return new Schedule(ratePerSecond, Math.max(0, n));
    }

    /** When call {@code i} is due, in nanoseconds after the start; computed from i, so errors do not accumulate. */
    public long dueNanos(long i) {
        return (long) (i * 1e9 / ratePerSecond);
    }

    /** Time from the start until the last call is due. */
    public Duration span() {
        return Duration.ofNanos(count == 0 ? 0 : dueNanos(count - 1));
    }
}
