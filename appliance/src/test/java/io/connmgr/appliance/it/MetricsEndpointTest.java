package io.connmgr.appliance.it;

import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The appliance's whole /metrics page, with every meter it registers, passes Prometheus' own linter. */
class MetricsEndpointTest {
    @TempDir
    Path dir;

    @Test
    void metricsPage_passesPromtoolCheckMetrics_andNamesEveryFamily() throws Exception {
        assumeThat(new File("/usr/bin/promtool").canExecute()).as("promtool installed").isTrue();
        try (ApplianceHarness harness = new ApplianceHarness(dir).start();
             TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            String page = harness.admin("GET", "/metrics", null).body();
            assertThat(page).contains("cm_connections{tier=\"active\"} 1.0", "cm_tier_transitions_total",
                    "cm_keepalives_answered_total{tier=\"sleep\"}", "cm_wakes_total", "cm_wake_latency_seconds_bucket",
                    "cm_store_reads_total", "cm_store_writes_total", "cm_auth_failures_total",
                    "cm_frames_rejected_total", "cm_sleep_table_entries", "cm_sleep_table_bytes",
                    "process_cpu_seconds_total");
            Process promtool = new ProcessBuilder("/usr/bin/promtool", "check", "metrics")
                    .redirectErrorStream(true).start();
            promtool.getOutputStream().write(page.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(promtool.exitValue()).as(lint).isZero();
        }
    }
}
