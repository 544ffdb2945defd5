package io.connmgr.loadtest.hold;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connmgr.loadtest.report.PeerTarget;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HoldFiguresTest {

    private static HoldFigures.Measured measured(List<HoldFigures.Point> points) {
        return new HoldFigures.Measured(new HoldFigures.Point(0, 1_000_000_000L, 10_000_000L), points, 10.0, 1000,
                5.0, 0.5, 10.0, 3.0, 20_000, 1_000_900_000L, 1_100_000_000L, 0.8, null);
    }

    @Test
    void perConnectionCostIsTheSlopeOverTheStepsNotTheDifferenceFromTheBaseline() {
        // 300 B of RSS and 80 B of heap per connection, on top of a start-up jump the baseline does not have
        List<HoldFigures.Point> points = List.of(
                new HoldFigures.Point(250, 1_050_000_000L + 250 * 300, 12_000_000L + 250 * 80),
                new HoldFigures.Point(500, 1_050_000_000L + 500 * 300, 12_000_000L + 500 * 80),
                new HoldFigures.Point(1000, 1_050_000_000L + 1000 * 300, 12_000_000L + 1000 * 80));
        Map<String, Number> f = HoldFigures.of(measured(points), true);
        assertThat(f.get("devices")).isEqualTo(1000L);
        assertThat(f.get("rss_bytes_per_connection").doubleValue()).isCloseTo(300, within(1e-6));
        assertThat(f.get("rss_fit_r2").doubleValue()).isCloseTo(1, within(1e-9));
        assertThat(f.get("live_heap_bytes_per_connection").doubleValue()).isCloseTo(80, within(1e-6));
        // pre-touched heap: RSS grows off-heap only, so both add up
        assertThat(f.get("bytes_per_connection").doubleValue()).isCloseTo(380, within(1e-6));
        assertThat(f.get("extrapolated_1m_connection_bytes").doubleValue()).isCloseTo(380e6, within(1.0));
        assertThat(HoldFigures.of(measured(points), false).get("bytes_per_connection").doubleValue())
                .isCloseTo(300, within(1e-6));
        assertThat(f.get("rss_bytes_per_connection_after_hold").doubleValue()).isCloseTo(900, within(1e-9));
    }

    @Test
    void cpuPerKeepAliveSubtractsTheQuietWindowsBackground() {
        Map<String, Number> f = HoldFigures.of(measured(List.of(new HoldFigures.Point(1000, 1_001_000_000L, -1))),
                false);
        // hold: 3.0 s CPU in 10 s for 20,000 answers; quiet: 0.5 s in 5 s, i.e. 1.0 s over 10 s of background
        assertThat(f.get("cpu_us_per_keepalive_raw").doubleValue()).isCloseTo(150, within(1e-9));
        assertThat(f.get("cpu_us_per_keepalive").doubleValue()).isCloseTo(100, within(1e-9));
        assertThat(f.get("keepalives_per_s").doubleValue()).isCloseTo(2000, within(1e-9));
        assertThat(f.get("quiet_cpu_cores").doubleValue()).isCloseTo(0.1, within(1e-12));
        assertThat(f.get("connect_rate_per_s").doubleValue()).isCloseTo(100, within(1e-9));
        // one point: the difference from the baseline; no heap figures without a heap reading
        assertThat(f.get("rss_bytes_per_connection").doubleValue()).isCloseTo(1000, within(1e-9));
        assertThat(f).doesNotContainKeys("rss_fit_r2", "live_heap_bytes_per_connection");
    }

    @Test
    void stepsAreEvenAscendingAndDistinct() {
        assertThat(HoldFigures.steps(15_000, 4)).containsExactly(3_750, 7_500, 11_250, 15_000);
        assertThat(HoldFigures.steps(3, 5)).containsExactly(1, 2, 3);
        assertThat(HoldFigures.steps(300, 1)).containsExactly(300);
        assertThatThrownBy(() -> HoldFigures.steps(0, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHeapIsPreTouchedOnlyWhenFixedAndTouched() {
        assertThat(HoldFigures.preTouched(List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"))).isTrue();
        assertThat(HoldFigures.preTouched(List.of("-Xms1g", "-Xmx2g", "-XX:+AlwaysPreTouch"))).isFalse();
        assertThat(HoldFigures.preTouched(List.of("-Xms1g", "-Xmx1g"))).isFalse();
        assertThat(HoldFigures.preTouched(List.of())).isFalse();
    }

    @Test
    void theCoordinatorAddsUpItsWorkersCounts() throws Exception {
        ObjectMapper json = new ObjectMapper();
        PeerTarget.Counts total = FleetTarget.sum(List.of(
                json.readTree("{\"op\":\"progress\",\"connected\":150,\"connect_failed\":1,\"dropped\":0,"
                        + "\"keepalives_sent\":40,\"pongs\":39,\"goaways\":0}"),
                json.readTree("{\"op\":\"status\",\"connected\":149,\"connect_failed\":0,\"dropped\":2,"
                        + "\"keepalives_sent\":41,\"pongs\":41,\"goaways\":0}"),
                json.createObjectNode()));
        assertThat(total).isEqualTo(new PeerTarget.Counts(299, 1, 2, 81, 80));
        assertThat(total.toMap()).containsEntry("connected", 299L).containsEntry("keepalives_answered", 80L);
    }
}
