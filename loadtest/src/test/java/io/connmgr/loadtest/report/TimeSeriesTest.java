package io.connmgr.loadtest.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeSeriesTest {

    @Test
    void aColumnThatAppearsLateOrStopsIsNullElsewhereSoColumnsStayAligned() {
        TimeSeries s = new TimeSeries();
        s.add(0, Map.of("rss_bytes", 10));
        s.add(1, Map.of("rss_bytes", 11, "sleep", 5));
        s.add(2, Map.of("sleep", 6));
        Map<String, Object> m = s.toMap();
        assertThat(m.get("t_s")).isEqualTo(List.of(0.0, 1.0, 2.0));
        assertThat(m.get("rss_bytes")).isEqualTo(Arrays.asList(10, 11, null));
        assertThat(m.get("sleep")).isEqualTo(Arrays.asList(null, 5, 6));
        assertThat(s.column("rss_bytes").get(2).doubleValue()).isNaN();
    }

    @Test
    void appendingKeepsBothSetsOfColumnsAligned() {
        TimeSeries appliance = new TimeSeries();
        appliance.add(0, Map.of("rss_bytes", 1, "sleep", 0));
        appliance.add(1, Map.of("rss_bytes", 2, "sleep", 3));
        TimeSeries second = new TimeSeries();
        second.add(5, Map.of("rss_bytes", 7, "idle", 3));
        appliance.addAll(second);
        Map<String, Object> m = appliance.toMap();
        assertThat(m.get("t_s")).isEqualTo(List.of(0.0, 1.0, 5.0));
        assertThat(m.get("rss_bytes")).isEqualTo(List.of(1, 2, 7));
        assertThat(m.get("sleep")).isEqualTo(Arrays.asList(0, 3, null));
        assertThat(m.get("idle")).isEqualTo(Arrays.asList(null, null, 3));
        assertThatThrownBy(() -> appliance.addAll(appliance)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDerivedColumnIsComputedPerRowAndNullWhereUndefined() {
        TimeSeries s = new TimeSeries();
        s.add(0, Map.of("rss_bytes", 1000, "connected", 0));
        s.add(1, Map.of("rss_bytes", 3000, "connected", 10));
        s.derive("rss_bytes_per_connection", row -> row.get("connected").intValue() == 0 ? null
                : (row.get("rss_bytes").doubleValue() - 1000) / row.get("connected").doubleValue());
        assertThat(s.toMap().get("rss_bytes_per_connection")).isEqualTo(Arrays.asList(null, 200.0));
        assertThat(s.lastRowWith("rss_bytes_per_connection")).containsEntry("connected", 10);
    }

    @Test
    void readsBackWhatItWrote() {
        TimeSeries s = new TimeSeries();
        s.add(0.5, Map.of("a", 1));
        s.add(1.5, new LinkedHashMap<>(Map.of("a", 2, "b", 3.5)));
        TimeSeries back = TimeSeries.fromMap(s.toMap());
        assertThat(back.toMap()).isEqualTo(s.toMap());
        assertThat(back.times()).containsExactly(0.5, 1.5);
        assertThat(TimeSeries.fromMap(Map.of()).size()).isZero();
    }

    @Test
    void refusesColumnsOfAnotherLength() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t_s", List.of(0.0, 1.0));
        m.put("rss_bytes", List.of(1));
        assertThatThrownBy(() -> TimeSeries.fromMap(m)).hasMessageContaining("rss_bytes");
        assertThatThrownBy(() -> TimeSeries.fromMap(Map.of("rss_bytes", List.of(1))))
                .hasMessageContaining("t_s");
    }
}
