package io.connmgr.loadtest.progress;

/** The time left of a phase, from what is done, what is wanted and the recent rate. */
public final class Eta {
    private Eta() {
    }

    /**
     * @return seconds until {@code target} is reached at {@code ratePerSecond}; 0 once done; NaN when it cannot be
     *         told (nothing moves yet, or the rate is undefined)
     */
    public static double secondsLeft(long done, long target, double ratePerSecond) {
        if (done >= target) {
            return 0;
        }
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            return Double.NaN;
        }
        return (target - done) / ratePerSecond;
    }
}
