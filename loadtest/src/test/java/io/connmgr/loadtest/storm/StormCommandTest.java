package io.connmgr.loadtest.storm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connmgr.loadtest.launch.Mosquitto;
import io.connmgr.loadtest.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Small storms end to end: a real appliance process (and mosquitto), fleet worker processes, sockets on loopback.
 * Each run takes seconds; the large runs are benchmarks (docs/loadtest.md), not tests.
 */
class StormCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JsonNode storm(int devices, String... more) throws Exception {
        Path report = dir.resolve("storm.json");
        List<String> args = new ArrayList<>(List.of("--devices", Integer.toString(devices), "--hold", "1s",
                "--tail", "500ms", "--backoff-initial", "500ms", "--backoff-cap", "2s", "--timeout", "60s",
                "--connect-timeout", "20s", "--sample-interval", "200ms", "--appliance-jvm-opts", "-Xmx256m -XX:TieredStopAtLevel=1",
                "--worker-jvm-opts", "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "--report", report.toString()));
        args.addAll(List.of(more));
        int rc = new CommandLine(new StormCommand()).execute(args.toArray(String[]::new));
        assertThat(rc).as("exit code").isZero();
        JsonNode r = JSON.readTree(report.toFile());
        assertThat(r.path("schema").asText()).isEqualTo(Report.SCHEMA);
        assertThat(r.path("scenario").asText()).isEqualTo("storm");
        assertThat(r.path("parameters").path("devices").asInt()).isEqualTo(devices);
        return r;
    }

    /** Every figure a storm reports for one server, present and consistent with {@code devices}. */
    private static void assertStormFigures(JsonNode f, int devices) {
        assertThat(f.path("devices_back").asInt()).isEqualTo(devices);
        assertThat(f.path("devices_not_back").asInt()).isZero();
        assertThat(f.path("recovery_seconds").asDouble()).isPositive();
        assertThat(f.path("recovery_confirmed_seconds").asDouble()).isPositive();
        assertThat(f.path("reconnect_rate_per_s").asDouble()).isPositive();
        assertThat(f.path("reconnect_attempts").asLong()).isGreaterThanOrEqualTo(devices);
        assertThat(f.has("failed_attempts")).isTrue();
        assertThat(f.path("connect_rate_per_s").asDouble()).isPositive();
        assertThat(f.path("rss_bytes_before").asLong()).isPositive();
        assertThat(f.path("peak_rss_bytes").asLong()).isPositive();
        assertThat(f.has("peak_cpu_cores")).isTrue();
        assertThat(f.has("cpu_seconds_recovery")).isTrue();
        assertThat(f.path("reconnect_p50_ms").asDouble()).isLessThanOrEqualTo(f.path("reconnect_p99_ms").asDouble());
        assertThat(f.path("reconnect_max_ms").asDouble() / 1000)
                .isLessThanOrEqualTo(f.path("recovery_seconds").asDouble() + 1);
    }

    private static void assertSeries(JsonNode series, int devices, String... columns) {
        int rows = series.path("t_s").size();
        assertThat(rows).isGreaterThan(3);
        for (String c : List.of("rss_bytes", "cpu_seconds", "connected")) {
            assertThat(series.path(c).size()).as(c).isEqualTo(rows);
        }
        for (String c : columns) {
            assertThat(series.path(c).size()).as(c).isEqualTo(rows);
        }
        assertThat(series.path("connected").get(rows - 1).asInt()).isEqualTo(devices);
    }

    @Test
    void afterEveryConnectionDropsEveryDeviceComesBackAndTheReportSaysHowFast() throws Exception {
        JsonNode r = storm(300, "--mode", "drop");
        JsonNode f = r.path("figures");
        assertStormFigures(f, 300);
        // Every device comes back and resumes its session: sessions are stored before WELCOME, so even a reconnect
        // that overtakes the appliance's handling of the dropped connection finds its session.
        assertThat(f.path("sessions_resumed").asInt()).isEqualTo(300);
        assertThat(r.path("latency_ms").path("reconnect").path("count").asInt()).isEqualTo(300);
        assertThat(r.path("errors").path("devices_not_back").asInt()).isZero();
        assertSeries(r.path("series"), 300, "server_connections", "active");
        assertThat(r.path("peers").size()).isZero();
    }

    @Test
    void afterTheApplianceIsKilledAndRestartedEveryDeviceComesBack() throws Exception {
        JsonNode r = storm(100, "--mode", "restart", "--signal", "kill");
        JsonNode f = r.path("figures");
        assertStormFigures(f, 100);
        assertThat(f.path("restart_seconds").asDouble()).isPositive();
        // Sessions are stored before WELCOME, so a SIGKILL loses none: every device resumes.
        assertThat(f.path("sessions_resumed").asInt()).isEqualTo(100);
        // While the appliance was down, the devices' connects were refused and retried.
        assertThat(f.path("failed_attempts").asLong()).isPositive();
        assertSeries(r.path("series"), 100, "server_connections");
    }

    @Test
    void sideBySideWithMosquittoTheReportHasThePeerAndTheRatios() throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        JsonNode r = storm(100, "--mode", "drop", "--peer", "mosquitto");
        assertStormFigures(r.path("figures"), 100);
        assertThat(r.path("peers").size()).isEqualTo(1);
        JsonNode peer = r.path("peers").get(0);
        assertThat(peer.path("name").asText()).isEqualTo("mosquitto");
        assertThat(peer.path("version").asText()).matches("\\d+\\.\\d+.*");
        assertStormFigures(peer.path("figures"), 100);
        JsonNode ratios = peer.path("ratios_ours_to_theirs");
        for (String figure : List.of("recovery_seconds", "connect_rate_per_s", "peak_rss_bytes", "reconnect_p99_ms",
                "reconnect_attempts")) {
            assertThat(ratios.path(figure).asDouble()).as(figure).isPositive();
            assertThat(ratios.path(figure).asDouble()).as(figure).isCloseTo(
                    r.path("figures").path(figure).asDouble() / peer.path("figures").path(figure).asDouble(),
                    org.assertj.core.data.Percentage.withPercentage(0.001));
        }
        assertSeries(peer.path("series"), 100);
    }
}
