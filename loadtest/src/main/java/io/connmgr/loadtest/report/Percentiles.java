package io.connmgr.loadtest.report;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/** The percentiles every latency figure reports, from a histogram recorded in nanoseconds, in milliseconds. */
public record Percentiles(long count, double p50, double p90, double p99, double p999, double max, double mean) {

    public static Percentiles of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return new Percentiles(0, 0, 0, 0, 0, 0, 0);
        }
        return new Percentiles(nanos.getTotalCount(), ms(nanos.getValueAtPercentile(50)),
                ms(nanos.getValueAtPercentile(90)), ms(nanos.getValueAtPercentile(99)),
                ms(nanos.getValueAtPercentile(99.9)), ms(nanos.getMaxValue()), nanos.getMean() / 1e6);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("p50", p50);
        m.put("p90", p90);
        m.put("p99", p99);
        m.put("p99_9", p999);
        m.put("max", max);
        m.put("mean", mean);
        return m;
    }
}
