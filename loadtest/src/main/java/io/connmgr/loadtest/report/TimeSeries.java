package io.connmgr.loadtest.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
}
