package io.connmgr.loadtest.overload;

import io.connmgr.loadtest.backend.ReportChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connmgr.loadtest.backend.ReportChecks.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small real {@code overload} run: 30 devices, 5 of them hot, 5 that never read, 10 stalled streams; a few seconds
 * per phase. The appliance must stay alive and ready, refuse the excess explicitly, and keep answering the other
 * devices' RPCs in every phase.
 */
class OverloadEndToEndTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tenTimesTheLoad_leavesTheApplianceReadyAndServingTheOthers(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("overload.json");
        Map<String, Object> r = ReportChecks.run(out, "overload", "--devices", "30", "--hot", "5", "--stalled", "5",
                "--streams", "10", "--rate", "20", "--message-rate", "20", "--baseline", "3s", "--overload", "5s",
                "--recovery", "3s", "--sample-interval", "250ms", "--out", out.toString());

        assertThat(count(r, "ready_at_end")).isEqualTo(1);
        assertThat(count(r, "not_ready_samples_count")).isZero();
        assertThat(ReportChecks.errors(r)).doesNotContainKey("appliance_exited");
        for (String phase : new String[]{"baseline", "overload", "recovery"}) {
            long due = count(r, phase + "_victim_rpc_due_count");
            assertThat(due).as(phase + " victim RPCs due").isPositive();
            // The other devices are served in every phase; under overload some may be late, not refused.
            assertThat(count(r, phase + "_victim_rpc_ok_count")).as(phase + " victim RPCs answered")
                    .isGreaterThanOrEqualTo(due * 9 / 10);
        }
        // The excess met explicit limits: RPCs to devices that do not read are refused or time out, messages to them
        // fill their queues and are refused.
        assertThat(count(r, "refused_rpc_busy_count") + count(r, "rpc_timeouts_count"))
                .as("%s", ReportChecks.figures(r)).isPositive();
        assertThat(count(r, "refused_messages_device_queue_full_count")).as("%s", ReportChecks.figures(r))
                .isPositive();
        assertThat(count(r, "stalled_streams_opened_count")).isEqualTo(10);
        assertThat(count(r, "stalled_devices_connected_at_end_count")).isEqualTo(5);
        ReportChecks.series(r, "not_ready_samples", "firehose_offered_bytes");
    }
}
