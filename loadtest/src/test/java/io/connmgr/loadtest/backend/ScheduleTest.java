package io.connmgr.loadtest.backend;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

    @Test
    void theCountBoundWinsWhenItIsReachedFirst() {
        assertThat(Schedule.of(200, 1000, Duration.ofSeconds(60)).count()).isEqualTo(1000);
    }

    @Test
    void theDurationBoundWinsWhenItIsReachedFirst() {
        assertThat(Schedule.of(200, 1_000_000, Duration.ofSeconds(3)).count()).isEqualTo(600);
        assertThat(Schedule.of(200, 0, Duration.ofSeconds(3)).count()).isEqualTo(600);
        // a call due at 2.5 s of a 2.6 s run still belongs to it; one due at 3.0 s would not
        assertThat(Schedule.of(2, 0, Duration.ofMillis(2600)).count()).isEqualTo(6);
        assertThat(Schedule.of(2, 0, Duration.ofMillis(3000)).count()).isEqualTo(6);
    }

    @Test
    void callsAreDueEvenlyFromTheStartWithoutDrift() {
        Schedule s = Schedule.of(3, 0, Duration.ofHours(1));
        assertThat(s.dueNanos(0)).isZero();
        assertThat(s.dueNanos(3)).isEqualTo(1_000_000_000L);
        assertThat(s.dueNanos(3 * 3600 - 1)).isEqualTo(3_599_666_666_666L);
        assertThat(s.span()).isEqualTo(Duration.ofNanos(3_599_666_666_666L));
    }

    @Test
    void aRunWithoutAnyBoundIsRefused() {
        assertThatThrownBy(() -> Schedule.of(10, 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schedule.of(0, 10, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
