package io.connmgr.appliance.admission;

import java.time.Duration;
import java.util.Map;

/**
 * How fast new handshakes are admitted and how far the excess is spread.
 *
 * @param ratePerSecond  HELLOs admitted per second; 0 = sized for the box ({@link #AUTO_RATE_PER_CORE} per core)
 * @param burst          HELLOs admitted at once on top of the rate; 0 = one second of the rate
 * @param deferMax       the longest reconnect-after a deferred device is given
 * @param pauseAccept    stop accepting while {@code max-pending-handshakes} are pending, so the kernel's backlog holds
 *                       the excess instead of the heap
 */
public record AdmissionOptions(int ratePerSecond, int burst, Duration deferMax, boolean pauseAccept) {
    /** Handshakes per second one core sustains with room to spare (docs/benchmarks.md, reconnect storms). */
    public static final int AUTO_RATE_PER_CORE = 1000;

    public AdmissionOptions {
        if (ratePerSecond < 0 || burst < 0) {
            throw new IllegalArgumentException("admission rate and burst must not be negative");
        }
        if (deferMax.toMillis() < AdmissionLimiter.MIN_DEFER_MILLIS) {
            throw new IllegalArgumentException("admission-defer-max must be at least "
                    + AdmissionLimiter.MIN_DEFER_MILLIS + " ms");
        }
    }

    /** From the validated settings ({@code admission-*} keys of config/Settings). */
    public static AdmissionOptions from(Map<String, Object> v) {
        return new AdmissionOptions(Math.toIntExact((Long) v.get("admission-rate")),
                Math.toIntExact((Long) v.get("admission-burst")), (Duration) v.get("admission-defer-max"),
                (Boolean) v.get("admission-accept-pause"));
    }

    /** The rate in force: the configured one, or the one sized for {@code cores}. */
    public int effectiveRate(int cores) {
        return ratePerSecond > 0 ? ratePerSecond : AUTO_RATE_PER_CORE * Math.max(1, cores);
    }

    public int effectiveBurst(int rate) {
        return burst > 0 ? burst : rate;
    }
}
