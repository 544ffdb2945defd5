package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.LoadTestMain;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.ReportSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small real hold run: a harness-started appliance (its own process, from appliance/target), 300 devices in two
 * steps held by two worker processes (a fake limit of 650 open files leaves room for 150 each), keep-alives every
 * second, then a check that the report is complete and its numbers agree with each other.
 */
@SuppressWarnings("unchecked")
class HoldEndToEndTest {
    private static final int DEVICES = 300;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void holdReportsEveryFigureConsistently(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("hold.json");
        int rc = LoadTestMain.execute("hold", "--devices", "" + DEVICES, "--steps", "2", "--tiers", "SLEEP",
                "--connect-rate", "2000", "--keep-alive", "1s", "--keep-alive-jitter", "0.2",
                "--quiet-window", "1s", "--hold-for", "2s", "--sample-interval", "500ms", "--no-live-heap",
                "--file-limit", "650", "--settle-timeout", "30s", "--max-duration", "100s",
                "--appliance-jvm-opts=-Xms64m -Xmx64m -XX:TieredStopAtLevel=1", "--worker-jvm-opts=-Xmx64m",
                "--progress", "OFF", "--report", json.toString());
        assertThat(rc).as("exit code").isZero();

        Map<String, Object> tree = Report.read(json); // refuses a report that breaks the schema
        assertThat(ReportSchema.problems(tree)).isEmpty();
        assertThat(Files.readString(Report.htmlPath(json))).contains("<svg", "Connections per tier");

        Map<String, Object> params = (Map<String, Object>) tree.get("parameters");
        assertThat(params.get("workers")).isEqualTo(2);
        assertThat(params.get("devices")).isEqualTo(DEVICES);

        Map<String, Object> f = (Map<String, Object>) tree.get("figures");
        assertThat(num(f, "sleep_devices")).isEqualTo(DEVICES);
        assertThat(num(f, "devices")).isEqualTo(DEVICES); // the headline is the SLEEP tier
        for (String k : List.of("sleep_connect_rate_per_s", "sleep_keepalives_answered", "sleep_keepalives_per_s",
                "sleep_cpu_us_per_keepalive_raw", "sleep_peak_rss_bytes", "sleep_baseline_rss_bytes",
                "sleep_hold_cpu_cores", "sleep_connect_latency_p50_ms")) {
            assertThat(num(f, k)).as(k).isPositive();
        }
        assertThat(f.get("sleep_rss_fit_r2")).as("a fit over two steps").isNotNull();
        // 300 devices pinging every second for a 2 s window: a few hundred answers at least
        assertThat(num(f, "sleep_keepalives_answered")).isGreaterThan(DEVICES);
        assertThat(num(f, "sleep_peak_rss_bytes")).isGreaterThanOrEqualTo(num(f, "sleep_baseline_rss_bytes"));

        Map<String, Object> errors = (Map<String, Object>) tree.get("errors");
        assertThat(errors.keySet()).contains("sleep_connect_failed", "sleep_dropped", "sleep_keepalives_unanswered");
        assertThat(num(errors, "sleep_connect_failed")).isZero();
        assertThat(num(errors, "sleep_dropped")).isZero();

        Map<String, Object> latency = (Map<String, Object>) ((Map<String, Object>) tree.get("latency_ms")).get("sleep_connect");
        assertThat(num(latency, "count")).isEqualTo(DEVICES);

        Map<String, Object> series = (Map<String, Object>) tree.get("series");
        List<Object> t = (List<Object>) series.get("t_s");
        assertThat(t).hasSizeGreaterThan(5);
        for (String column : List.of("rss_bytes", "cpu_seconds", "open_files", "active", "idle", "sleep",
                "connected", "cm_keepalives_answered_total", "rss_bytes_per_connection")) {
            assertThat(series.containsKey(column)).as(column).isTrue();
        }
        List<Object> active = (List<Object>) series.get("active");
        List<Object> idle = (List<Object>) series.get("idle");
        List<Object> sleep = (List<Object>) series.get("sleep");
        List<Object> connected = (List<Object>) series.get("connected");
        int last = -1;
        for (int i = 0; i < t.size(); i++) {
            if (sleep.get(i) == null) {
                continue;
            }
            long tiers = ((Number) active.get(i)).longValue() + ((Number) idle.get(i)).longValue()
                    + ((Number) sleep.get(i)).longValue();
            assertThat(tiers).as("devices in tiers at " + t.get(i) + " s").isBetween(0L, (long) DEVICES);
            last = i;
        }
        // at the end every device is held, asleep, and the tiers add up to the fleet's count
        assertThat(((Number) sleep.get(last)).longValue()).isEqualTo(DEVICES);
        assertThat(((Number) active.get(last)).longValue() + ((Number) idle.get(last)).longValue()).isZero();
        assertThat(((Number) connected.get(last)).longValue()).isEqualTo(DEVICES);

        List<Object> marks = (List<Object>) tree.get("marks");
        assertThat(marks).extracting(m -> ((Map<String, Object>) m).get("label")).contains("SLEEP: started",
                "SLEEP: N=150", "SLEEP: N=300", "SLEEP: hold window", "SLEEP: end");
    }

    private static double num(Map<String, Object> m, String k) {
        assertThat(m.get(k)).as(k).isInstanceOf(Number.class);
        return ((Number) m.get(k)).doubleValue();
    }
}
