package io.connmgr.loadtest.launch;

import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The peer as hold drives it: a hundred MQTT devices in a worker process, held, probed, reported. */
class MosquittoPeerTest {
    @TempDir
    Path dir;

    @Test
    void connectsHoldsAndReportsFiguresNamedLikeTheAppliances() throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        LiveWorkers.Options workers = LiveWorkers.Options.defaults(LiveWorkers.Protocol.MQTT).withKeepAlive(2);
        workers = new LiveWorkers.Options(workers.protocol(), workers.keepAliveSeconds(), workers.backoffInitial(),
                workers.backoffCap(), workers.handshakeTimeout(), workers.devicesPerWorker(), workers.fileLimit(),
                List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        MosquittoPeer.Settings settings = new MosquittoPeer.Settings(dir, workers, 0, Duration.ofSeconds(20),
                Duration.ofMillis(250), Duration.ofMillis(500));
        Report report = new Report("hold", List.of("test"), Map.of("devices", 100));
        // What the appliance side would have measured, so there is something to compare with.
        report.figure(MosquittoPeer.RSS_BYTES_PER_CONNECTION, 2_000.0).figure(MosquittoPeer.CONNECT_RATE_PER_S, 500.0)
                .figure(MosquittoPeer.CPU_SECONDS_PER_KEEPALIVE, 0.00002);
        try (MosquittoPeer peer = MosquittoPeer.start(settings)) {
            peer.connect(100).hold(Duration.ofSeconds(3)).keepAlives(300, Duration.ofSeconds(1));
            Map<String, Number> f = peer.figures();
            assertThat(f.get(MosquittoPeer.CONNECTED).intValue()).isEqualTo(100);
            assertThat(f.get(MosquittoPeer.FAILURES).intValue()).isZero();
            assertThat(f.get(MosquittoPeer.CONNECT_RATE_PER_S).doubleValue()).isPositive();
            assertThat(f.get(MosquittoPeer.RSS_BYTES_PER_CONNECTION).doubleValue()).isPositive();
            assertThat(f.get("keepalives_answered").longValue()).isGreaterThanOrEqualTo(300);
            assertThat(f.get(MosquittoPeer.CPU_SECONDS_PER_KEEPALIVE).doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(f.get("connected_after_hold").intValue()).isEqualTo(100);
            assertThat(f.get("lost_during_hold").intValue()).isZero();
            assertThat(f.get("peak_rss_bytes").longValue()).isPositive();
            assertThat(peer.series().column("connected")).isNotEmpty();
            assertThat(peer.series().column("rss_bytes")).hasSameSizeAs(peer.series().column("connected"));
            peer.addTo(report);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> p = ((List<Map<String, Object>>) report.toMap().get("peers")).getFirst();
        assertThat(p.get("name")).isEqualTo("mosquitto");
        @SuppressWarnings("unchecked")
        Map<String, Object> ratios = (Map<String, Object>) p.get("ratios_ours_to_theirs");
        assertThat(ratios).containsKeys(MosquittoPeer.RSS_BYTES_PER_CONNECTION, MosquittoPeer.CONNECT_RATE_PER_S);
    }
}
