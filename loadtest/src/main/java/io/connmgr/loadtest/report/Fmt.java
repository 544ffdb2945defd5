package io.connmgr.loadtest.report;

import java.util.Locale;

/**
 * How reports show numbers to people (the HTML report, {@code compare}): the unit is read from the figure's name, as
 * the schema puts it there ({@code _bytes}, {@code _per_s}, {@code _us}, {@code _ms}, {@code _seconds}).
 */
public final class Fmt {
    private Fmt() {
    }

    /** A plain number: integers with thousands separators, fractions to about three significant digits. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** Bytes in the largest binary unit that keeps the number at or above 1 (B, KiB, MiB, GiB, TiB). */
    public static String bytes(double v) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double a = Math.abs(v);
        int u = 0;
        while (a >= 1024 && u < units.length - 1) {
            a /= 1024;
            v /= 1024;
            u++;
        }
        return (u == 0 ? number(Math.rint(v)) : String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.1f", v)) + " "
                + units[u];
    }

    /** A value with the unit its name implies. */
    public static String withUnit(String name, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (isBytes(name)) {
            return Math.abs(v) >= 1024 ? bytes(v) + " (" + number(Math.rint(v)) + " B)" : number(v) + " B";
        }
        if (name.endsWith("_per_s")) {
            return number(v) + "/s";
        }
        if (name.endsWith("_us") || name.contains("_us_")) {
            return number(v) + " µs";
        }
        if (name.endsWith("_ms") || name.contains("_ms_")) {
            return number(v) + " ms";
        }
        if (name.endsWith("_seconds") || name.endsWith("_s")) {
            return number(v) + " s";
        }
        if (name.endsWith("_cores")) {
            return String.format(Locale.ROOT, "%.3f cores", v);
        }
        if (name.endsWith("_ratio") || name.endsWith("_r2")) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return number(v);
    }

    public static boolean isBytes(String name) {
        return name.endsWith("_bytes") || name.contains("_bytes_");
    }

    /** A signed change: {@code +12.5} or {@code -3}. */
    public static String signed(String name, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        String s = isBytes(name) ? number(Math.rint(v)) : number(v);
        return v > 0 ? "+" + s : s;
    }

    /** A signed percentage, one decimal: {@code +4.2%}; {@code -} when undefined (from zero). */
    public static String percent(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%+.1f%%", v);
    }

    /** Seconds as {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    public static String clock(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
