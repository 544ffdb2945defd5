package io.connmgr.appliance.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The appliance's one reading of a duration as people write it: a whole number and a unit, {@code ms}, {@code s},
 * {@code m}, {@code h} or {@code d} ("500ms", "30s", "5m", "24h", "7d"). Configuration always names the unit; the
 * admin API's headers and query parameters also take a bare number as seconds.
 */
public final class Durations {
    /** At most 12 digits, and the milliseconds must fit in a long: every caller counts in milliseconds. */
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * @param text        the duration, already trimmed
     * @param bareSeconds whether a number without a unit counts as seconds; otherwise it is refused
     * @return the duration, or empty when {@code text} is not of this form or too long to count in milliseconds
     */
    public static Optional<Duration> parse(String text, boolean bareSeconds) {
        Matcher m = FORM.matcher(text);
        if (!m.matches() || (m.group(2) == null && !bareSeconds)) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        try {
            d.toMillis();
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
        return Optional.of(d);
    }
}
