package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.LoadTestMain;
import io.connmgr.loadtest.progress.ProgressLine;
import io.connmgr.loadtest.report.PeerTarget;
import io.connmgr.loadtest.report.PeerTargets;
import io.connmgr.loadtest.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A peer goes through the same procedure as the appliance, and is found by name. */
class HoldPeerTest {

    @Test
    void aPeerIsMeasuredStepByStepAndThroughBothWindows(@TempDir Path dir) {
        FakePeer peer = new FakePeer();
        HoldSettings s = new HoldSettings(100, 2, 0, Duration.ofSeconds(1), 0.1, Duration.ofSeconds(1),
                Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO,
                true, 20_000, 0, List.of());
        Report report = new Report("hold", List.of("test"), Map.of());
        ProgressLine progress = ProgressLine.start("hold", ProgressLine.Mode.OFF);
        HoldPhase.Outcome o = new HoldPhase(s, "fake", peer, null, progress, report, System.nanoTime()).run(dir);

        assertThat(o.failure()).isNull();
        assertThat(peer.started).isTrue();
        assertThat(peer.closed).isTrue();
        assertThat(o.measured().points()).extracting(HoldFigures.Point::devices).containsExactly(50L, 100L);
        // not the appliance: no live heap, no tiers
        assertThat(o.measured().points()).allMatch(p -> p.liveHeapBytes() == -1 && p.rssBytes() > 0);
        assertThat(o.measured().keepAlivesAnswered()).isPositive();
        assertThat(o.measured().holdSeconds()).isGreaterThanOrEqualTo(1.0);
        assertThat(o.measured().quietSeconds()).isGreaterThanOrEqualTo(0.5);
        assertThat(o.series().columnNames()).contains("rss_bytes", "cpu_seconds", "connected", "target",
                "keepalives_answered", "rss_bytes_per_connection").doesNotContain("sleep", "active");
        assertThat(o.errors()).containsEntry("connect_failed", 0L).containsEntry("dropped", 0L);
        assertThat(report.toMap().get("marks").toString()).contains("fake: N=50", "fake: N=100", "fake: hold window");

        Map<String, Number> f = HoldFigures.of(o.measured(), false);
        assertThat(f).containsKeys("rss_bytes_per_connection", "bytes_per_connection", "keepalives_per_s")
                .doesNotContainKey("live_heap_bytes_per_connection");
        assertThat(f.get("devices")).isEqualTo(100L);
    }

    @Test
    void peersAreFoundByNameAndAMissingOneSaysWhy() {
        assertThat(PeerTargets.create("fake")).isInstanceOf(FakePeer.class);
        assertThat(PeerTargets.all()).extracting(PeerTarget.Factory::name).contains("fake", "missing");
        assertThatThrownBy(() -> PeerTargets.create("nope")).hasMessageContaining("no peer named 'nope'")
                .hasMessageContaining("fake");
        assertThatThrownBy(() -> PeerTargets.create("missing")).hasMessageContaining("apt-get install missing");
    }

    @Test
    void holdRefusesAnUnknownPeerBeforeStartingAnything() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(LoadTestMain.execute("hold", "--devices", "10", "--peer", "missing")).isEqualTo(2);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("peer missing cannot run here");
    }
}
