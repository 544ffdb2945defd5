package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.LoadTestMain;
import io.connmgr.loadtest.launch.Mosquitto;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.ReportSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A small real {@code hold --peer mosquitto}: a harness-started appliance in one tier, then a private mosquitto, each
 * holding 120 devices in two steps in one worker process, probed every 20 ms in the hold window so even mosquitto's
 * CPU shows in clock ticks. The report has mosquitto's figures under the same names as ours, and the ratios.
 */
@SuppressWarnings("unchecked")
class HoldMosquittoEndToEndTest {
    private static final int DEVICES = 120;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void mosquittoIsHeldTheSameWayAndComparedFigureByFigure(@TempDir Path dir) throws IOException {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        Path json = dir.resolve("hold.json");
        int rc = LoadTestMain.execute("hold", "--devices", "" + DEVICES, "--steps", "2", "--tiers", "ACTIVE",
                "--peer", "mosquitto", "--connect-rate", "0", "--keep-alive", "20ms", "--keep-alive-jitter", "0.2",
                "--quiet-window", "1s", "--hold-for", "2s", "--sample-interval", "500ms", "--no-live-heap",
                "--settle-timeout", "20s", "--max-duration", "80s",
                "--appliance-jvm-opts=-Xms64m -Xmx64m -XX:TieredStopAtLevel=1",
                "--worker-jvm-opts=-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "--progress", "OFF",
                "--report", json.toString());
        assertThat(rc).as("exit code").isZero();

        Map<String, Object> tree = Report.read(json);
        assertThat(ReportSchema.problems(tree)).isEmpty();
        List<Map<String, Object>> peers = (List<Map<String, Object>>) tree.get("peers");
        assertThat(peers).hasSize(1);
        Map<String, Object> peer = peers.getFirst();
        assertThat(peer.get("name")).isEqualTo("mosquitto");
        assertThat((String) peer.get("version")).matches("\\d+\\.\\d+.*");

        Map<String, Object> theirs = (Map<String, Object>) peer.get("figures");
        assertThat(num(theirs, "devices")).isEqualTo(DEVICES);
        assertThat(num(theirs, "rss_bytes_per_connection")).isPositive();
        assertThat(num(theirs, "baseline_rss_bytes")).isPositive();
        assertThat(num(theirs, "connect_rate_per_s")).isPositive();
        // 120 devices every 20 ms for 2 s: thousands of PINGREQs answered
        assertThat(num(theirs, "keepalives_answered")).isGreaterThan(10.0 * DEVICES);
        assertThat(num(theirs, "cpu_us_per_keepalive_raw")).isPositive();
        assertThat(theirs).containsKeys("cpu_us_per_keepalive", "quiet_cpu_cores", "hold_cpu_cores",
                "mqtt_connect_keepalive_seconds");

        Map<String, Object> ratios = (Map<String, Object>) peer.get("ratios_ours_to_theirs");
        for (String k : List.of("rss_bytes_per_connection", "cpu_us_per_keepalive_raw", "devices",
                "keepalives_per_s", "connect_rate_per_s")) {
            assertThat(num(ratios, k)).as(k).isPositive();
        }
        assertThat(num(ratios, "devices")).isEqualTo(1.0);
        Map<String, Object> ours = (Map<String, Object>) tree.get("figures");
        assertThat(num(ratios, "rss_bytes_per_connection"))
                .isCloseTo(num(ours, "rss_bytes_per_connection") / num(theirs, "rss_bytes_per_connection"),
                        org.assertj.core.data.Offset.offset(1e-9));

        Map<String, Object> errors = (Map<String, Object>) tree.get("errors");
        assertThat(num(errors, "mosquitto_connect_failed")).isZero();
        assertThat(num(errors, "mosquitto_dropped")).as("the quiet window drops no MQTT device").isZero();

        Map<String, Object> series = (Map<String, Object>) peer.get("series");
        assertThat(series).containsKeys("t_s", "rss_bytes", "cpu_seconds", "connected", "keepalives_answered",
                "rss_bytes_per_connection");
        List<Object> marks = (List<Object>) tree.get("marks");
        assertThat(marks).extracting(m -> ((Map<String, Object>) m).get("label")).contains("mosquitto: N=60",
                "mosquitto: N=120", "mosquitto: quiet window", "mosquitto: hold window", "mosquitto: end");
    }

    private static double num(Map<String, Object> m, String k) {
        assertThat(m.get(k)).as(k).isInstanceOf(Number.class);
        return ((Number) m.get(k)).doubleValue();
    }
}
