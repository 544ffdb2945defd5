package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AdminProbesAndMetricsTest {
    private static final File PROMTOOL = new File("/usr/bin/promtool");

    private InMemoryDeviceDirectory directory;
    private RunningAdminServer admin;

    @BeforeEach
    void start() {
        directory = new InMemoryDeviceDirectory().add("dev-a", Tier.ACTIVE);
        admin = new RunningAdminServer(directory);
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void healthz_isOk() {
        var response = admin.send(admin.request("/healthz").GET());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.parse(response.body())).isEqualTo(Json.parse("{\"status\":\"ok\"}"));
    }

    @Test
    void readyz_followsTheDirectory() {
        var ready = admin.send(admin.request("/readyz").GET());
        directory.ready(false);
        var draining = admin.send(admin.request("/readyz").GET());

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Json.parse(ready.body())).isEqualTo(Json.parse("{\"ready\":true}"));
        assertThat(draining.statusCode()).isEqualTo(503);
        assertThat(Json.parse(draining.body())).isEqualTo(Json.parse("{\"ready\":false}"));
    }

    @Test
    void metrics_isPrometheusTextWithTheRequestCounter() {
        admin.get("/v1/devices/nobody");

        var response = admin.send(admin.request("/metrics").GET());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body())
                .contains("# HELP cm_admin_requests_total")
                .contains("cm_admin_requests_total{route=\"/v1/devices/{id}\",status=\"404\"} 1.0");
    }

    @Test
    void metrics_passPromtoolCheck() throws Exception {
        assumeTrue(PROMTOOL.canExecute(), "promtool not installed");
        registerApplianceLikeMeters();
        admin.get("/v1/stats");
        admin.get("/v1/devices/nobody");
        admin.send(admin.request("/v1/stats").GET());

        String exposition = admin.send(admin.request("/metrics").GET()).body();
        PromtoolResult result = promtoolCheck(exposition);

        assertThat(exposition).contains("cm_wake_latency_seconds_bucket").contains("cm_tier_transitions_total");
        assertThat(result.output()).as("promtool output").isEmpty();
        assertThat(result.exitCode()).as("promtool exit code; output: %s", result.output()).isZero();
    }

    private void registerApplianceLikeMeters() {
        var registry = admin.registry;
        for (Tier tier : Tier.values()) {
            AtomicLong connections = new AtomicLong(tier.ordinal() + 1);
            Gauge.builder("cm.connections", connections, AtomicLong::get)
                    .description("Device connections by tier")
                    .tag("tier", tier.tag())
                    .register(registry);
        }
        Counter.builder("cm.tier.transitions")
                .description("Tier transitions by source tier, target tier and cause")
                .tags("from", "active", "to", "idle", "cause", "quiet_timer")
                .register(registry).increment(3);
        Counter.builder("cm.tier.transitions")
                .description("Tier transitions by source tier, target tier and cause")
                .tags("from", "sleep", "to", "active", "cause", "device_data")
                .register(registry).increment();
        Timer wake = Timer.builder("cm.wake.latency")
                .description("Time from data on a sleeping socket to an active pipeline")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        wake.record(Duration.ofMillis(3));
        wake.record(Duration.ofMillis(40));
        DistributionSummary.builder("cm.frame.size")
                .description("Size of control frames received")
                .baseUnit("bytes")
                .publishPercentileHistogram()
                .maximumExpectedValue(65_536.0)
                .register(registry)
                .record(120);
    }

    private static PromtoolResult promtoolCheck(String exposition) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(PROMTOOL.getPath(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        return new PromtoolResult(process.exitValue(), output.strip());
    }

    private record PromtoolResult(int exitCode, String output) {
    }
}
