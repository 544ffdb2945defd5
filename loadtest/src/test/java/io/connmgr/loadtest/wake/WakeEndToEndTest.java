package io.connmgr.loadtest.wake;

import io.connmgr.loadtest.backend.ReportChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connmgr.loadtest.backend.ReportChecks.count;
import static org.assertj.core.api.Assertions.assertThat;

/** A small real {@code wake} run: an appliance process, 150 devices, a few hundred RPCs to each kind of device. */
class WakeEndToEndTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSmallRunProducesACompleteAndConsistentReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("wake.json");
        Map<String, Object> r = ReportChecks.run(out, "wake", "--devices", "150", "--rate", "200", "--rpcs", "300",
                "--warmup", "100", "--sample-interval", "250ms", "--out", out.toString());

        for (String target : new String[] {"rpc_sleeping", "rpc_active"}) {
            ReportChecks.pacedRun(r, target, target);
            assertThat(count(r, target + "_due_count")).isEqualTo(300);
            // Loopback, nothing else to do: nearly every call succeeds even on a busy machine.
            assertThat(count(r, target + "_ok_count")).as(target + " ok").isGreaterThanOrEqualTo(270);
            ReportChecks.latency(r, target + "_service", count(r, target + "_ok_count"));
        }
        assertThat(count(r, "rpc_sleeping_devices_asleep_at_start_count")).isEqualTo(150);
        assertThat(count(r, "rpc_active_devices_active_at_start_count")).isEqualTo(150);
        // Calls to sleeping devices woke them (a device called twice in a row may still be awake for the second)
        assertThat(count(r, "rpc_sleeping_appliance_wakes_count")).isPositive();
        assertThat(count(r, "devices_connected_at_end_count")).isEqualTo(150);
        assertThat(count(r, "appliance_peak_rss_bytes")).isPositive();
        ReportChecks.series(r, "rpc_sleeping_ok", "rpc_active_ok", "connected_devices", "heap_used_bytes", "wakes");
        assertThat(ReportChecks.figures(r)).containsKeys("rpc_sleeping_p50_ms", "rpc_sleeping_p99_ms",
                "rpc_sleeping_p99_9_ms", "rpc_active_p99_ms");
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) r.get("parameters");
        assertThat(params).containsEntry("devices", 150).containsEntry("target", "both");
    }
}
