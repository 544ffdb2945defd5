package io.connmgr.appliance.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One configuration key: its name (used in YAML and as the {@code --name} flag), type, default, bounds and meaning.
 * {@link Settings} lists them all; docs/configuration.md documents the same list.
 */
public record Setting(String name, Kind kind, String defaultValue, double min, double max, String description) {

    public enum Kind { DURATION, INT, SIZE, BOOL, STRING, CHOICE }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|k|K|M|G)?");

    /**
     * Parses and checks {@code text}; throws {@link IllegalArgumentException} with a message that names the key and
     * says what was expected.
     */
    public Object parse(String text) {
        String raw = text == null ? "" : text.trim();
        Object value = switch (kind) {
            case DURATION -> parseDuration(raw);
            case INT -> parseInt(raw);
            case SIZE -> parseSize(raw);
            case BOOL -> switch (raw.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw invalid(raw, "true or false");
            };
            case STRING -> raw;
            case CHOICE -> {
                for (String choice : description.substring(description.indexOf('[') + 1, description.indexOf(']'))
                        .split("\\|")) {
                    if (choice.equals(raw)) {
                        yield raw;
                    }
                }
                throw invalid(raw, "one of " + description.substring(description.indexOf('['),
                        description.indexOf(']') + 1));
            }
        };
        checkBounds(raw, value);
        return value;
    }

    private Duration parseDuration(String raw) {
        return Durations.parse(raw, false)
                .orElseThrow(() -> invalid(raw, "a duration such as 500ms, 30s, 5m, 24h or 7d"));
    }

    private Long parseInt(String raw) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw invalid(raw, "a whole number");
        }
    }

    private Long parseSize(String raw) {
        Matcher m = SIZE.matcher(raw);
        if (!m.matches()) {
            throw invalid(raw, "a size such as 65536, 64KiB or 1MiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit) {
            case "KiB", "k", "K" -> n * 1024;
            case "MiB", "M" -> n * 1024 * 1024;
            case "GiB", "G" -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }

    private void checkBounds(String raw, Object value) {
        double v = switch (value) {
            case Duration d -> d.toMillis();
            case Long l -> l;
            default -> Double.NaN;
        };
        if (Double.isNaN(v)) {
            return;
        }
        if (v < min || v > max) {
            String unit = kind == Kind.DURATION ? " ms" : "";
            throw new IllegalArgumentException("%s: %s is out of range [%s, %s]%s".formatted(name, raw,
                    fmt(min), fmt(max), unit));
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private IllegalArgumentException invalid(String raw, String expected) {
        return new IllegalArgumentException("%s: '%s' is not valid, expected %s".formatted(name, raw, expected));
    }
}
