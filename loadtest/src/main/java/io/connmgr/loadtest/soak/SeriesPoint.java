package io.connmgr.loadtest.soak;

import io.connmgr.loadtest.report.TimeSeries;

import java.util.List;
import java.util.Map;

/** One sample of the appliance's RSS and CPU time from a {@link TimeSeries}. */
record SeriesPoint(double t, double rss, double cpu) {

    /** The first sample at or after {@code seconds} with both columns present; null if none. */
    static SeriesPoint firstAtOrAfter(TimeSeries series, double seconds) {
        Map<String, Object> m = series.toMap();
        List<?> t = (List<?>) m.get("t_s");
        for (int i = 0; i < t.size(); i++) {
            SeriesPoint p = at(m, i);
            if (p != null && p.t() >= seconds) {
                return p;
            }
        }
        return null;
    }

    /** The last sample with both columns present; null if none. */
    static SeriesPoint last(TimeSeries series) {
        Map<String, Object> m = series.toMap();
        List<?> t = (List<?>) m.get("t_s");
        for (int i = t.size() - 1; i >= 0; i--) {
            SeriesPoint p = at(m, i);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static SeriesPoint at(Map<String, Object> m, int i) {
        Object rss = m.containsKey("rss_bytes") ? ((List<?>) m.get("rss_bytes")).get(i) : null;
        Object cpu = m.containsKey("cpu_seconds") ? ((List<?>) m.get("cpu_seconds")).get(i) : null;
        if (rss instanceof Number r && cpu instanceof Number c) {
            return new SeriesPoint(((Number) ((List<?>) m.get("t_s")).get(i)).doubleValue(), r.doubleValue(),
                    c.doubleValue());
        }
        return null;
    }
}
