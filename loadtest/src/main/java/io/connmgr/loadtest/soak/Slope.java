package io.connmgr.loadtest.soak;

import io.connmgr.loadtest.density.LinearFit;
import io.connmgr.loadtest.report.TimeSeries;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The trend of a sampled column: a least-squares line through the samples taken at or after {@code fromSeconds},
 * in units per hour. The warm-up is left out because a process's memory grows at first for reasons that do not
 * continue (heap sizing, JIT code, pools filling once).
 *
 * @param perHour change per hour
 * @param r2      how well a line explains the samples (near 1: a steady trend; near 0: noise around a level)
 * @param samples samples the line was fitted through
 */
public record Slope(double perHour, double r2, int samples) {

    /** Null when fewer than two usable samples (numbers, not NaN) lie after {@code fromSeconds}. */
    public static Slope of(TimeSeries series, String column, double fromSeconds) {
        Map<String, Object> m = series.toMap();
        @SuppressWarnings("unchecked")
        List<Number> t = (List<Number>) m.get("t_s");
        @SuppressWarnings("unchecked")
        List<Number> y = (List<Number>) m.get(column);
        if (t == null || y == null) {
            return null;
        }
        List<LinearFit.Point> points = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            Number v = y.get(i);
            double ts = t.get(i).doubleValue();
            if (v != null && !Double.isNaN(v.doubleValue()) && ts >= fromSeconds) {
                points.add(new LinearFit.Point(ts, v.doubleValue()));
            }
        }
        if (points.size() < 2 || points.stream().mapToDouble(LinearFit.Point::x).distinct().count() < 2) {
            return null;
        }
        LinearFit fit = LinearFit.of(points);
        return new Slope(fit.slope() * 3600, fit.r2(), points.size());
    }
}
