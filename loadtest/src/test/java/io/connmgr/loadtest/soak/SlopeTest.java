package io.connmgr.loadtest.soak;

import io.connmgr.loadtest.report.TimeSeries;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SlopeTest {

    @Test
    void aSteadyGrowthIsGivenPerHourAndTheWarmupIsLeftOut() {
        TimeSeries s = new TimeSeries();
        // Warm-up: RSS jumps by 100 MB in the first minute; afterwards it grows 1 MB every 10 minutes.
        s.add(0, Map.of("rss_bytes", 50_000_000));
        s.add(30, Map.of("rss_bytes", 150_000_000));
        for (int minute = 1; minute <= 61; minute++) {
            s.add(minute * 60, Map.of("rss_bytes", 150_000_000 + (minute - 1) * 100_000));
        }
        Slope slope = Slope.of(s, "rss_bytes", 60);
        assertThat(slope.perHour()).isCloseTo(6_000_000, within(1e-3));
        assertThat(slope.r2()).isCloseTo(1.0, within(1e-9));
        assertThat(slope.samples()).isEqualTo(61);
        // With the warm-up included the jump dominates the line.
        assertThat(Slope.of(s, "rss_bytes", 0).perHour()).isGreaterThan(6_000_000);
    }

    @Test
    void aFlatSeriesHasNoSlopeAndMissingSamplesAreSkipped() {
        TimeSeries s = new TimeSeries();
        s.add(10, Map.of("rss_bytes", 1000));
        s.add(20, Map.of("open_files", 5)); // no RSS in this sample
        s.add(30, Map.of("rss_bytes", 1000));
        s.add(40, Map.of("rss_bytes", 1000));
        Slope slope = Slope.of(s, "rss_bytes", 0);
        assertThat(slope.perHour()).isZero();
        assertThat(slope.samples()).isEqualTo(3);
    }

    @Test
    void fewerThanTwoSamplesAfterTheWarmupGiveNoSlope() {
        TimeSeries s = new TimeSeries();
        s.add(10, Map.of("rss_bytes", 1000));
        s.add(70, Map.of("rss_bytes", 2000));
        assertThat(Slope.of(s, "rss_bytes", 60)).isNull();
        assertThat(Slope.of(s, "no_such_column", 0)).isNull();
        assertThat(Slope.of(new TimeSeries(), "rss_bytes", 0)).isNull();
    }

    @Test
    void theFirstSampleAfterTheWarmupAndTheLastAreFound() {
        TimeSeries s = new TimeSeries();
        s.add(1, Map.of("rss_bytes", 10, "cpu_seconds", 0.5));
        s.add(5, Map.of("rss_bytes", 20, "cpu_seconds", 1.5));
        s.add(9, Map.of("rss_bytes", 30, "cpu_seconds", 3.5));
        s.add(10, Map.of("open_files", 3));
        assertThat(SeriesPoint.firstAtOrAfter(s, 2)).isEqualTo(new SeriesPoint(5, 20, 1.5));
        assertThat(SeriesPoint.last(s)).isEqualTo(new SeriesPoint(9, 30, 3.5));
        assertThat(SeriesPoint.firstAtOrAfter(s, 11)).isNull();
    }
}
