package io.connmgr.loadtest.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Samples over time: a column of seconds since the start ({@code t_s}) and named columns of the same length
 * ({@code rss_bytes}, {@code cpu_seconds}, {@code open_files}, {@code active}, {@code idle}, {@code sleep},
 * {@code connected}, ...). A sample that lacks a column records null there, so columns stay aligned.
 */
public final class TimeSeries {
    private final List<Double> t = new ArrayList<>();
    private final Map<String, List<Number>> columns = new LinkedHashMap<>();

    public synchronized void add(double seconds, Map<String, ? extends Number> values) {
        int row = t.size();
        t.add(seconds);
        values.forEach((name, v) -> columns.computeIfAbsent(name, k -> padded(row)).add(v));
        columns.forEach((name, col) -> {
            if (col.size() == row) {
                col.add(null);
            }
        });
    }

    /**
     * Appends every row of {@code other} (its times as they are, so both should count from the same origin), keeping
     * the columns of both aligned: a column only one of them has is null in the other's rows.
     */
    public void addAll(TimeSeries other) {
        if (other == this) {
            throw new IllegalArgumentException("a series cannot be appended to itself");
        }
        int rows = other.size();
        for (int i = 0; i < rows; i++) {
            add(other.time(i), other.row(i));
        }
    }

    /**
     * Adds (or replaces) a column computed from each row's values; the function may return null where the value is
     * undefined (for example a per-connection figure while nothing is connected).
     */
    public synchronized void derive(String name, Function<Map<String, Number>, Number> f) {
        List<Number> col = new ArrayList<>(t.size());
        for (int i = 0; i < t.size(); i++) {
            col.add(f.apply(rowUnlocked(i)));
        }
        columns.put(name, col);
    }

    private static List<Number> padded(int rows) {
        List<Number> col = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            col.add(null);
        }
        return col;
    }

    public synchronized int size() {
        return t.size();
    }

    public synchronized double time(int row) {
        return t.get(row);
    }

    public synchronized List<Double> times() {
        return List.copyOf(t);
    }

    public synchronized List<String> columnNames() {
        return List.copyOf(columns.keySet());
    }

    /** The values of one row that are present (null cells left out), in column order. */
    public synchronized Map<String, Number> row(int row) {
        return rowUnlocked(row);
    }

    private Map<String, Number> rowUnlocked(int row) {
        Map<String, Number> m = new LinkedHashMap<>();
        columns.forEach((name, col) -> {
            Number v = col.get(row);
            if (v != null) {
                m.put(name, v);
            }
        });
        return m;
    }

    /** The last row that has a value in {@code column}, or null. */
    public synchronized Map<String, Number> lastRowWith(String column) {
        List<Number> col = columns.get(column);
        if (col != null) {
            for (int i = col.size() - 1; i >= 0; i--) {
                if (col.get(i) != null) {
                    return rowUnlocked(i);
                }
            }
        }
        return null;
    }

    public synchronized List<Number> column(String name) {
        return List.copyOf(columns.getOrDefault(name, List.of()).stream().map(n -> n == null ? (Number) Double.NaN : n)
                .toList());
    }

    public synchronized Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t_s", new ArrayList<>(t));
        columns.forEach((k, v) -> m.put(k, new ArrayList<>(v)));
        return m;
    }

    /**
     * The inverse of {@link #toMap}, for a series read back from a report.
     *
     * @throws IllegalArgumentException when {@code t_s} is missing or a column's length differs from it
     */
    public static TimeSeries fromMap(Map<String, ?> m) {
        TimeSeries s = new TimeSeries();
        if (m == null || m.isEmpty()) {
            return s;
        }
        if (!(m.get("t_s") instanceof List<?> times)) {
            throw new IllegalArgumentException("a series needs a t_s column");
        }
        for (Object v : times) {
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("t_s holds a non-number: " + v);
            }
            s.t.add(n.doubleValue());
        }
        m.forEach((name, v) -> {
            if (name.equals("t_s")) {
                return;
            }
            if (!(v instanceof List<?> values) || values.size() != times.size()) {
                throw new IllegalArgumentException("column " + name + " is not a list as long as t_s");
            }
            List<Number> col = new ArrayList<>(values.size());
            for (Object x : values) {
                if (x != null && !(x instanceof Number)) {
                    throw new IllegalArgumentException("column " + name + " holds a non-number: " + x);
                }
                col.add((Number) x);
            }
            s.columns.put(name, col);
        });
        return s;
    }
}
