package io.connmgr.appliance.admin;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in headers and query parameters: whole seconds ("30") or a number with a unit ("500ms", "30s", "5m"). */
final class DurationParam {
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

    private DurationParam() {
    }

    static Duration parse(String what, String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw ApiException.badRequest(what + " must be whole seconds or a duration such as 500ms, 30s, 5m, 24h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
