package io.connmgr.agent.control;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next connection attempt: exponential backoff with full jitter, capped.
 *
 * <p>Full jitter ({@code random(0, min(cap, initial * 2^attempt))}) spreads a fleet that lost the appliance at the same
 * moment over the whole window instead of letting it return in synchronised waves. Pure: the caller supplies the
 * attempt number and the random source, so every figure here can be checked with a seeded generator.
 *
 * @param initial     ceiling of the first retry window (attempt 0)
 * @param cap         largest ceiling the window grows to
 * @param stableAfter a connection that lasted at least this long resets the attempt count
 */
public record ReconnectPolicy(Duration initial, Duration cap, Duration stableAfter) {
    public static final Duration DEFAULT_INITIAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(60);
    public static final Duration DEFAULT_STABLE_AFTER = Duration.ofSeconds(30);
    /** Smallest jitter ceiling added to a GOAWAY's reconnect-after (docs/protocol.md section 6.6). */
    public static final Duration GOAWAY_MIN_JITTER = Duration.ofSeconds(1);
    public static final ReconnectPolicy DEFAULT = new ReconnectPolicy(DEFAULT_INITIAL, DEFAULT_CAP, DEFAULT_STABLE_AFTER);

    public ReconnectPolicy {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(stableAfter, "stableAfter");
        if (initial.toMillis() < 1) {
            throw new IllegalArgumentException("initial backoff must be at least 1 ms, got " + initial);
        }
        if (cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff cap " + cap + " is below the initial backoff " + initial);
        }
        if (stableAfter.isNegative()) {
            throw new IllegalArgumentException("stableAfter must not be negative");
        }
    }

    /** Upper bound of the retry window for {@code attempt} (0-based): {@code min(cap, initial * 2^attempt)}. */
    public Duration ceiling(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0");
        }
        long initialMillis = initial.toMillis();
        long capMillis = cap.toMillis();
        // Doubling past the cap is pointless, and stopping there keeps the shift from overflowing.
        int shift = Math.min(attempt, 62);
        long ceiling = shift >= Long.numberOfLeadingZeros(initialMillis) - 1 ? capMillis : initialMillis << shift;
        return Duration.ofMillis(Math.min(capMillis, ceiling));
    }

    /** Full jitter: uniform in {@code [0, ceiling(attempt)]}, millisecond resolution. */
    public Duration delay(int attempt, RandomGenerator random) {
        return Duration.ofMillis(random.nextLong(ceiling(attempt).toMillis() + 1));
    }

    /**
     * Delay after a refusal that will not fix itself (bad credentials, revoked, ...): at the cap, jittered over its
     * upper half so a fleet rejected together (say after a credential-store mistake) does not return together.
     */
    public Duration permanentFailureDelay(RandomGenerator random) {
        long capMillis = cap.toMillis();
        long low = capMillis / 2;
        return Duration.ofMillis(low + random.nextLong(capMillis - low + 1));
    }

    /**
     * Delay after the appliance said when to come back (GOAWAY, after WELCOME or in place of it): the hint is a lower
     * bound, and a random delay between 0 and max(1 s, 20 % of the hint) is added, as docs/protocol.md section 6.6
     * says, so that every device told "in 30 s" does not arrive in the same millisecond. The appliance spreads a
     * fleet it defers over the time it needs to admit it; the device's own exponential window is not added on top,
     * which would undo that spread after a few deferrals.
     */
    public Duration goAwayDelay(Duration hint, RandomGenerator random) {
        long hintMillis = Math.max(0, hint.toMillis());
        long jitterCeiling = Math.max(GOAWAY_MIN_JITTER.toMillis(), hintMillis / 5);
        return Duration.ofMillis(hintMillis + random.nextLong(jitterCeiling + 1));
    }

    /** Whether a connection that lasted {@code connectedFor} counts as stable. */
    public boolean isStable(Duration connectedFor) {
        return connectedFor.compareTo(stableAfter) >= 0;
    }
}
