package io.connmgr.loadtest.backend;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class WindowsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void wholeWindowsFitAfterTheWarmupAndTheRemainderJoinsTheLast() {
        Windows w = Windows.over(Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(7));
        assertThat(w.count()).isEqualTo(3); // 25 min after the warm-up: 7 + 7 + 11
        assertThat(w.indexOf(0)).isEqualTo(-1);
        assertThat(w.indexOf(300 * S - 1)).isEqualTo(-1);
        assertThat(w.indexOf(300 * S)).isZero();
        assertThat(w.indexOf(300 * S + 7 * 60 * S)).isEqualTo(1);
        assertThat(w.indexOf(300 * S + 14 * 60 * S)).isEqualTo(2);
        assertThat(w.indexOf(30 * 60 * S)).isEqualTo(2);
        assertThat(w.indexOf(40 * 60 * S)).isEqualTo(2); // late answers of the last calls
        assertThat(w.startSeconds(1)).isEqualTo(720.0);
    }

    @Test
    void aRunShorterThanOneWindowHasOneWindowOfWhatIsLeft() {
        Windows w = Windows.over(Duration.ofSeconds(10), Duration.ofSeconds(4), Duration.ofSeconds(60));
        assertThat(w.count()).isEqualTo(1);
        assertThat(w.windowNanos()).isEqualTo(6 * S);
        assertThat(w.indexOf(5 * S)).isZero();
    }

    @Test
    void theRecorderPlacesEachLatencyInTheWindowOfItsStart() {
        Windows w = Windows.over(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
        long origin = 1_000 * S;
        LatencyRecorder r = new LatencyRecorder(w, origin);
        r.record(origin + 5 * S, origin + 5 * S + 1_000_000); // warm-up: only in the whole run
        r.record(origin + 12 * S, origin + 12 * S + 2_000_000);
        r.record(origin + 19 * S, origin + 21 * S); // started in window 1, ended in window 2
        r.record(origin + 25 * S, origin + 25 * S + 3_000_000);
        assertThat(r.count()).isEqualTo(4);
        assertThat(r.window(0).getTotalCount()).isEqualTo(2);
        assertThat(r.window(1).getTotalCount()).isEqualTo(1);
        Histogram first = r.window(0);
        assertThat(first.getMaxValue()).isBetween(1_999_000_000L, 2_001_000_000L);
    }

    @Test
    void negativeLatenciesAreRecordedAsZeroAndHugeOnesAreCapped() {
        LatencyRecorder r = new LatencyRecorder();
        r.record(100, 50);
        r.record(0, LatencyRecorder.HIGHEST_NANOS * 2);
        assertThat(r.all().getMinValue()).isZero();
        assertThat(r.all().getMaxValue()).isLessThanOrEqualTo(r.all().highestEquivalentValue(
                LatencyRecorder.HIGHEST_NANOS));
    }
}
