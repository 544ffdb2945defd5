package io.connmgr.loadtest.report;

import io.connmgr.loadtest.fleet.Histograms;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PercentilesTest {

    private static Histogram nanos() {
        return new Histogram(Histograms.HIGHEST_NANOS, 3);
    }

    @Test
    void uniformOneToTenThousandMilliseconds() {
        Histogram h = nanos();
        for (int ms = 1; ms <= 10_000; ms++) {
            h.recordValue(ms * 1_000_000L);
        }
        Percentiles p = Percentiles.of(h);
        // three significant digits: within 0.1 % of the exact order statistic
        assertThat(p.count()).isEqualTo(10_000);
        assertThat(p.p50()).isCloseTo(5_000, within(5.0));
        assertThat(p.p90()).isCloseTo(9_000, within(9.0));
        assertThat(p.p99()).isCloseTo(9_900, within(10.0));
        assertThat(p.p999()).isCloseTo(9_990, within(10.0));
        assertThat(p.max()).isCloseTo(10_000, within(10.0));
        assertThat(p.mean()).isCloseTo(5_000.5, within(5.0));
    }

    @Test
    void exponentialTailMatchesItsQuantileFunction() {
        Histogram h = nanos();
        Random random = new Random(42);
        double meanMs = 2.0;
        for (int i = 0; i < 200_000; i++) {
            h.recordValue((long) (-Math.log(1 - random.nextDouble()) * meanMs * 1e6));
        }
        Percentiles p = Percentiles.of(h);
        // F^-1(q) = -mean ln(1 - q); sampling error of 200k draws is well under 3 % at p99
        assertThat(p.p50()).isCloseTo(-meanMs * Math.log(0.5), within(0.03 * 1.386));
        assertThat(p.p90()).isCloseTo(-meanMs * Math.log(0.1), within(0.03 * 4.605));
        assertThat(p.p99()).isCloseTo(-meanMs * Math.log(0.01), within(0.04 * 9.21));
        assertThat(p.mean()).isCloseTo(meanMs, within(0.03));
        assertThat(p.p50()).isLessThan(p.p90()).isLessThan(p.p99());
        assertThat(p.p99()).isLessThanOrEqualTo(p.p999()).isLessThanOrEqualTo(p.max());
    }

    @Test
    void aConstantHasEveryPercentileEqual() {
        Histogram h = nanos();
        for (int i = 0; i < 1000; i++) {
            h.recordValue(1_500_000);
        }
        Percentiles p = Percentiles.of(h);
        assertThat(List.of(p.p50(), p.p90(), p.p99(), p.p999(), p.max(), p.mean()))
                .allSatisfy(v -> assertThat(v).isCloseTo(1.5, within(0.002)));
    }

    @Test
    void emptyIsAllZero() {
        assertThat(Percentiles.of(nanos())).isEqualTo(new Percentiles(0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void workersHistogramsAddUpToTheWholeNotToAnAverageOfPercentiles() {
        // one worker saw only fast answers, the other only slow ones
        Histogram fast = nanos();
        Histogram slow = nanos();
        Histogram all = nanos();
        for (int i = 1; i <= 900; i++) {
            fast.recordValue(i * 1_000L);
            all.recordValue(i * 1_000L);
        }
        for (int i = 1; i <= 100; i++) {
            slow.recordValue(1_000_000_000L + i);
            all.recordValue(1_000_000_000L + i);
        }
        Histogram merged = Histograms.merge(List.of(Histograms.decode(Histograms.encode(fast)),
                Histograms.decode(Histograms.encode(slow))));
        assertThat(Percentiles.of(merged)).isEqualTo(Percentiles.of(all));
        // p90 of the whole is a fast answer; p99 a slow one: averaging the workers' p99 would give neither
        assertThat(Percentiles.of(merged).p90()).isLessThan(1.0);
        assertThat(Percentiles.of(merged).p99()).isGreaterThan(999.0);
    }
}
