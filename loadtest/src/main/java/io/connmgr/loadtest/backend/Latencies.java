package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.report.Percentiles;
import io.connmgr.loadtest.report.Report;
import org.HdrHistogram.Histogram;

/** Puts a latency histogram into a report: the percentile block, and its headline percentiles as figures. */
public final class Latencies {
    private Latencies() {
    }

    /** Latency block {@code name}, and figures {@code NAME_p50_ms}, {@code _p99_ms}, {@code _p99_9_ms}. */
    public static void add(Report report, String name, Histogram nanos) {
        report.latency(name, nanos);
        Percentiles p = Percentiles.of(nanos);
        report.figure(name + "_p50_ms", p.p50()).figure(name + "_p99_ms", p.p99())
                .figure(name + "_p99_9_ms", p.p999());
    }

    /** One line for the console. */
    public static String line(String name, Histogram nanos) {
        Percentiles p = Percentiles.of(nanos);
        return "%-26s n=%,d  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms".formatted(name, p.count(),
                p.p50(), p.p90(), p.p99(), p.p999(), p.max());
    }
}
