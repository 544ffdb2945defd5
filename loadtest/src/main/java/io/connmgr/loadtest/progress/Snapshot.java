package io.connmgr.loadtest.progress;

import io.connmgr.loadtest.report.Fmt;

import java.util.Locale;

/**
 * What the progress line shows at one moment.
 *
 * @param label   the run (scenario, and tier or target)
 * @param phase   what is happening now: connect, settle, hold, ...
 * @param unit    what {@code done} counts: connected, s, pings
 * @param rate    per second over the last few seconds (NaN when unknown)
 * @param eta     seconds left in this phase (NaN when unknown)
 */
public record Snapshot(String label, String phase, String unit, long done, long target, long errors,
                       double elapsedSeconds, double rate, double eta) {

    /** One line, under 100 columns for the usual figures. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(label).append(' ').append(phase);
        if (target <= 0) {
            // a phase without a count (starting processes): only the time tells anything
            return b.append("  errors ").append(Fmt.number(errors)).append("  elapsed ")
                    .append(Fmt.clock(elapsedSeconds)).toString();
        }
        b.append("  ").append(Fmt.number(done)).append('/').append(Fmt.number(target)).append(' ').append(unit)
                .append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * Math.max(0, Math.min(done, target)) / target));
        b.append("  ").append(Double.isNaN(rate) ? "-" : Fmt.number(Math.rint(rate))).append("/s")
                .append("  errors ").append(Fmt.number(errors))
                .append("  elapsed ").append(Fmt.clock(elapsedSeconds))
                .append("  ETA ").append(Fmt.clock(eta));
        return b.toString();
    }
}
