package io.connmgr.loadtest.soak;

import io.connmgr.loadtest.backend.ReportChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connmgr.loadtest.backend.ReportChecks.count;
import static org.assertj.core.api.Assertions.assertThat;

/** A few seconds of the real {@code soak} mix: keep-alives, RPCs, pushes and SOCKS5 streams to 40 devices. */
class SoakEndToEndTest {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aShortRunProducesACompleteAndConsistentReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("soak.json");
        Map<String, Object> r = ReportChecks.run(out, "soak", "--devices", "40", "--active", "4", "--duration", "8s",
                "--warmup", "2s", "--window", "3s", "--keepalive", "2", "--rpc-rate", "20", "--push-rate", "10",
                "--stream-rate", "5", "--call-timeout", "3s", "--delivery-wait", "3s", "--sample-interval", "250ms",
                "--out", out.toString());

        ReportChecks.pacedRun(r, "rpc", "rpc");
        ReportChecks.pacedRun(r, "push", "push_accept");
        ReportChecks.pacedRun(r, "stream_open", "stream_open");
        assertThat(count(r, "rpc_due_count")).isEqualTo(160);
        assertThat(count(r, "push_due_count")).isEqualTo(80);
        assertThat(count(r, "stream_open_due_count")).isEqualTo(40);
        assertThat(count(r, "stream_open_ok_count")).as("streams through SOCKS5").isPositive();
        assertThat(count(r, "push_delivered_count") + count(r, "push_undelivered_count"))
                .isEqualTo(count(r, "push_ok_count"));
        ReportChecks.latency(r, "push_end_to_end", count(r, "push_delivered_count"));
        // 8 s after a 2 s warm-up in windows of 3 s: two windows, the remainder in the last
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> latency = (Map<String, Map<String, Object>>) r.get("latency_ms");
        for (String kind : new String[] {"rpc", "stream_open"}) {
            long first = ((Number) latency.get(kind + "_window_1").get("count")).longValue();
            long last = ((Number) latency.get(kind + "_window_2").get("count")).longValue();
            ReportChecks.latency(r, kind + "_window_1", first);
            ReportChecks.latency(r, kind + "_window_2", last);
            assertThat(first + last).as(kind + " windows").isLessThanOrEqualTo(count(r, kind + "_ok_count"));
            assertThat(latency).doesNotContainKey(kind + "_window_3");
            assertThat(ReportChecks.figures(r)).containsKeys(kind + "_first_window_p99_ms",
                    kind + "_last_window_p99_ms");
        }
        assertThat(count(r, "keepalive_pings_count")).as("keep-alives").isPositive();
        assertThat(ReportChecks.figures(r)).containsKeys("rss_slope_bytes_per_hour", "rss_slope_r2",
                "rss_after_warmup_bytes", "rss_at_end_bytes", "appliance_cpu_cores_mean_after_warmup");
        assertThat(count(r, "rss_slope_samples_count")).isGreaterThanOrEqualTo(2);
        ReportChecks.series(r, "rpc_ok", "push_delivered", "stream_open_ok", "streams_opened",
                "keepalives_answered");
    }
}
