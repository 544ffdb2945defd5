package io.connmgr.loadtest.relay;

import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RelayFiguresTest {

    @Test
    void everyRouteHasItsRateAndTheRelaysTheirRatios() {
        Report r = new Report("relay", List.of("relay"), Map.of());
        RelayCommand.addTo(r, List.of(
                new RelayCommand.Route("direct", "direct", 2000, List.of(2000.0), Map.of(), ""),
                new RelayCommand.Route("haproxy", "haproxy", 800, List.of(800.0), Map.of("haproxy", 1.5), ""),
                new RelayCommand.Route("multiplexed", "appliance multiplexed", 400, List.of(400.0),
                        Map.of("appliance", 4.0, "agent", 3.0), ""),
                new RelayCommand.Route("data_connection", "appliance data-connection", 600, List.of(600.0),
                        Map.of(), "")));
        Map<String, Object> f = r.figures();
        assertThat(f).containsEntry("direct_mb_per_s", 2000.0).containsEntry("haproxy_mb_per_s", 800.0)
                .containsEntry("multiplexed_mb_per_s", 400.0).containsEntry("data_connection_mb_per_s", 600.0)
                .containsEntry("multiplexed_to_haproxy_ratio", 0.5).containsEntry("multiplexed_to_direct_ratio", 0.2)
                .containsEntry("data_connection_to_haproxy_ratio", 0.75)
                .containsEntry("data_connection_to_direct_ratio", 0.3).containsEntry("haproxy_to_direct_ratio", 0.4)
                .containsEntry("haproxy_cpu_s_per_gb", 1.5).containsEntry("multiplexed_appliance_cpu_s_per_gb", 4.0)
                .containsEntry("multiplexed_agent_cpu_s_per_gb", 3.0)
                .doesNotContainKey("direct_to_direct_ratio").doesNotContainKey("haproxy_to_haproxy_ratio");
    }

    @Test
    void withoutHaproxyThereAreNoRatiosToIt() {
        Report r = new Report("relay", List.of("relay"), Map.of());
        RelayCommand.addTo(r, List.of(
                new RelayCommand.Route("direct", "direct", 2000, List.of(2000.0), Map.of(), ""),
                new RelayCommand.Route("haproxy", "haproxy", 0, List.of(), Map.of(), "not installed"),
                new RelayCommand.Route("multiplexed", "appliance multiplexed", 400, List.of(400.0), Map.of(), "")));
        assertThat(r.figures()).doesNotContainKey("haproxy_mb_per_s")
                .doesNotContainKey("multiplexed_to_haproxy_ratio").containsEntry("multiplexed_to_direct_ratio", 0.2);
        assertThat(r.toMap().get("errors")).isEqualTo(Map.of("haproxy_not_measured", 1L));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(RelayCommand.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(RelayCommand.median(List.of(4.0, 1.0, 3.0, 2.0))).isCloseTo(2.5, within(1e-12));
    }

    @Test
    void seriesOfEachModeAreAppendedWithAPrefixAndAnOffset() {
        TimeSeries from = new TimeSeries();
        from.add(0, Map.of("rss_bytes", 1));
        from.add(1, Map.of("rss_bytes", 2));
        TimeSeries to = new TimeSeries();
        RelayCommand.append(to, from, 10, "multiplexed_");
        assertThat(to.toMap()).containsEntry("t_s", List.of(10.0, 11.0))
                .containsEntry("multiplexed_rss_bytes", List.of(1, 2));
    }
}
