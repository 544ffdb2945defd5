package io.connmgr.loadtest.launch;

import io.connmgr.loadtest.report.PeerTarget;
import io.connmgr.loadtest.report.PeerTargets;
import io.connmgr.loadtest.report.ProcessSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * mosquitto through the {@link PeerTarget} interface, driven as hold drives it: found by name, started with two worker
 * processes, grown in two steps, kept alive on a schedule, quiet, kept alive again, closed.
 */
class MosquittoPeerTargetTest {
    private static final int DEVICES = 120;

    @Test
    void isFoundByNameAndAvailableWhereMosquittoIsInstalled() {
        assertThat(PeerTargets.all()).extracting(PeerTarget.Factory::name).contains("mosquitto");
        PeerTarget.Factory f = PeerTargets.all().stream().filter(x -> x.name().equals("mosquitto")).findFirst()
                .orElseThrow();
        if (Mosquitto.find().isPresent()) {
            assertThat(f.unavailableReason()).isNull();
            try (PeerTarget t = PeerTargets.create("mosquitto")) {
                assertThat(t).isInstanceOf(MosquittoPeerTarget.class);
            }
        } else {
            assertThat(f.unavailableReason()).contains("apt-get install -y mosquitto");
        }
    }

    @Test
    void growsStepByStepAndProbesOnlyWhileToldTo(@TempDir Path dir) throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        try (PeerTarget t = PeerTargets.create("mosquitto")) {
            // a limit of 560 open files leaves 60 devices a worker: two workers for 120
            t.start(new PeerTarget.Setup(dir, DEVICES, 560, 0, List.of("-Xmx64m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1"), Duration.ofSeconds(60)));
            assertThat(t.version()).matches("\\d+\\.\\d+.*");
            assertThat(ProcessHandle.of(t.pid()).orElseThrow().info().command().orElse("")).endsWith("mosquitto");
            assertThat(t.figures()).containsEntry("device_workers", 2)
                    .containsEntry("mqtt_connect_keepalive_seconds", MosquittoPeerTarget.DECLARED_KEEP_ALIVE_SECONDS);

            PeerTarget.Counts c = t.connect(DEVICES / 2, 500, Duration.ofSeconds(20));
            assertThat(c.connected()).isEqualTo(DEVICES / 2);
            c = t.connect(DEVICES, 0, Duration.ofSeconds(20));
            assertThat(c.connected()).isEqualTo(DEVICES);
            assertThat(c.connectFailed()).isZero();
            assertThat(c.keepAlivesSent()).as("the declared keep-alive is hours away: no probe yet").isZero();
            // counts() is what the sampler reads: the workers' progress lines catch up
            await().atMost(Duration.ofSeconds(5)).until(() -> t.counts().connected() == DEVICES);
            assertThat(new ProcessSampler(t.pid(), null, () -> t.counts().toMap()).sample())
                    .containsEntry("connected", (long) DEVICES).containsKey("rss_bytes");

            t.keepAlive(Duration.ofMillis(250), 0.1);
            await().atMost(Duration.ofSeconds(15)).until(() -> t.counts().keepAlivesAnswered() >= 3L * DEVICES);

            t.keepAlive(Duration.ZERO, 0);
            long[] last = {-1};
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(8)).until(() -> {
                PeerTarget.Counts now = t.counts();
                boolean still = now.keepAlivesSent() == last[0] && now.keepAlivesAnswered() == now.keepAlivesSent();
                last[0] = now.keepAlivesSent();
                return still;
            });
            assertThat(t.counts().dropped()).as("quiet devices stay connected").isZero();

            long before = t.counts().keepAlivesAnswered();
            t.keepAlive(Duration.ofMillis(250), 0.1);
            await().atMost(Duration.ofSeconds(15)).until(() -> t.counts().keepAlivesAnswered() >= before + DEVICES);
            assertThat(t.counts().connected()).isEqualTo(DEVICES);
            assertThat(t.counts().dropped()).isZero();
        }
    }
}
