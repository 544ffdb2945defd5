package io.connmgr.appliance.admission;

import io.connmgr.appliance.session.TimeSource;

import java.util.random.RandomGenerator;

/**
 * A token bucket for new handshakes, and the schedule the excess is sent away on.
 *
 * <p>The bucket holds up to {@code burst} tokens and refills at {@code rate} per second; a HELLO that finds a token is
 * admitted. One that does not is deferred, and given a slot: the deferrals form a queue that the rate works off, each
 * one lengthening it by one token's worth (1/rate), and a device is told to come back when its place in that queue
 * comes up, jittered uniformly over the {@link #SLOT_SPREAD_MILLIS} before it. So N devices arriving at once are
 * spread over about N/rate seconds, about {@code rate} a second, in the order they came: the arrivals the rate can
 * admit, not a second wave of N, and not the front-loaded crowd a plain uniform [0, window] would send back early.
 * The queue (the <em>window</em>) shrinks with time as the rate works it off, never exceeds {@code deferMax}, and
 * every reconnect-after is at least {@link #MIN_DEFER_MILLIS}.
 *
 * <p>Thread-safe: every event loop asks it. A lock is enough; it is held for a few arithmetic operations, at most a
 * few thousand times a second.
 */
public final class AdmissionLimiter {
    /** Shortest reconnect-after of a deferral: less would bring the device back before the bucket has refilled. */
    public static final long MIN_DEFER_MILLIS = 1000;
    /** Width of the jitter around a deferred device's slot. */
    public static final long SLOT_SPREAD_MILLIS = 1000;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final TimeSource time;
    private final RandomGenerator random;
    private final int rate;
    private final int burst;
    private final long nanosPerToken;
    private final long deferMaxNanos;
    private double tokens;
    private long refilledAtNanos;
    /** When the rate will have admitted every device deferred so far; in the past when there is no backlog. */
    private long windowEndNanos;

    public AdmissionLimiter(int rate, int burst, long deferMaxMillis, TimeSource time, RandomGenerator random) {
        if (rate < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1");
        }
        this.time = time;
        this.random = random;
        this.rate = rate;
        this.burst = burst;
        this.nanosPerToken = Math.max(1, NANOS_PER_SECOND / rate);
        this.deferMaxNanos = deferMaxMillis * 1_000_000L;
        this.tokens = burst;
        this.refilledAtNanos = time.nanoTime();
        this.windowEndNanos = refilledAtNanos;
    }

    /** Takes a token: true when the handshake may go ahead now. */
    public synchronized boolean tryAdmit() {
        long now = time.nanoTime();
        refill(now);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * A reconnect-after for a device sent away now (by the rate, or by any other limit), in milliseconds: its slot at
     * the end of the window (lengthened by this device), less up to {@link #SLOT_SPREAD_MILLIS} of jitter, plus
     * {@link #MIN_DEFER_MILLIS}; at most {@code deferMax}.
     */
    public synchronized long deferMillis() {
        long now = time.nanoTime();
        long end = Math.max(windowEndNanos, now) + nanosPerToken;
        windowEndNanos = Math.min(end, now + deferMaxNanos - MIN_DEFER_MILLIS * 1_000_000L);
        long slotMillis = Math.max(0, (windowEndNanos - now) / 1_000_000L);
        long earliest = Math.max(0, slotMillis - SLOT_SPREAD_MILLIS);
        return MIN_DEFER_MILLIS + earliest + random.nextLong(slotMillis - earliest + 1);
    }

    /** The current deferral window: how long the rate needs to admit everyone deferred so far. */
    public synchronized double windowSeconds() {
        return Math.max(0, windowEndNanos - time.nanoTime()) / 1e9;
    }

    public int rate() {
        return rate;
    }

    public int burst() {
        return burst;
    }

    private void refill(long now) {
        long elapsed = now - refilledAtNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + (double) elapsed * rate / NANOS_PER_SECOND);
            refilledAtNanos = now;
        }
    }
}
