package io.connmgr.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DurationsTest {

    @Test
    void everyUnit() {
        assertThat(Durations.parse("500ms", false)).contains(Duration.ofMillis(500));
        assertThat(Durations.parse("30s", false)).contains(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m", false)).contains(Duration.ofMinutes(5));
        assertThat(Durations.parse("24h", false)).contains(Duration.ofHours(24));
        assertThat(Durations.parse("7d", false)).contains(Duration.ofDays(7));
        assertThat(Durations.parse("0s", false)).contains(Duration.ZERO);
    }

    @Test
    void aBareNumber_isSeconds_onlyWhereAllowed() {
        assertThat(Durations.parse("30", true)).contains(Duration.ofSeconds(30));
        assertThat(Durations.parse("30", false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "soon", "-5s", "1.5s", "5 s", "5S", "5sec", "1w", "9999999999999ms"})
    void otherText_isRefused(String text) {
        assertThat(Durations.parse(text, true)).isEmpty();
    }

    @Test
    void durationsWhoseMillisecondsOverflow_areRefused_notThrown() {
        assertThat(Durations.parse("999999999999h", false)).contains(Duration.ofHours(999_999_999_999L));
        assertThat(Durations.parse("999999999999d", false)).isEmpty();
    }
}
