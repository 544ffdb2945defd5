package io.connmgr.loadtest.report;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Map;

/** Reports with every part filled, for the tests of the schema, the HTML and compare. */
final class ReportFixtures {
    private ReportFixtures() {
    }

    static Report full(double rssPerConnection, double p99Millis) {
        Report r = new Report("hold", List.of("bin/cm", "loadtest", "hold", "--devices", "300"),
                Map.of("devices", 300, "tiers", List.of("SLEEP")));
        r.figure("rss_bytes_per_connection", rssPerConnection).figure("connect_rate_per_s", 950.5)
                .figure("cpu_us_per_keepalive", 12.25);
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 1; i <= 100; i++) {
            h.recordValue((long) (i * p99Millis / 99 * 1e6));
        }
        r.latency("sleep_connect", h);
        r.error("sleep_connect_failed", 0).error("sleep_dropped", 2);
        TimeSeries s = new TimeSeries();
        s.add(0.0, Map.of("rss_bytes", 100_000_000L, "cpu_seconds", 1.0, "sleep", 0, "connected", 0));
        s.add(1.0, Map.of("rss_bytes", 101_000_000L, "cpu_seconds", 1.5, "sleep", 150, "connected", 150));
        s.add(2.0, Map.of("rss_bytes", 102_000_000L, "cpu_seconds", 1.7, "sleep", 300, "connected", 300));
        r.series(s);
        r.mark(1.0, "SLEEP: N=150");
        r.note("method", "a <test> & its notes");
        TimeSeries theirs = new TimeSeries();
        theirs.add(3.0, Map.of("rss_bytes", 5_000_000L, "connected", 300));
        theirs.add(4.0, Map.of("rss_bytes", 6_000_000L, "connected", 300));
        r.peer("mosquitto", "2.0.18", Map.of("rss_bytes_per_connection", 800.0, "connect_rate_per_s", 2000.0),
                theirs);
        return r;
    }
}
