package io.connmgr.appliance.tier;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PressureMonitorTest {
    final AtomicInteger heapPercent = new AtomicInteger(10);
    final PressureMonitor monitor = new PressureMonitor(80, 1000, heapPercent::get);

    @Test
    void noPressure_demotesNothing() {
        assertThat(monitor.excess(1000)).isZero();
    }

    @Test
    void tooManyAwake_demotesTheExcess() {
        assertThat(monitor.excess(1250)).isEqualTo(250);
        assertThat(monitor.overConnectionLimit(1001)).isTrue();
    }

    @Test
    void heapPressure_demotesATenthPerRound_atLeastOne() {
        heapPercent.set(90);
        assertThat(monitor.excess(500)).isEqualTo(50);
        assertThat(monitor.excess(5)).isEqualTo(1);
        assertThat(monitor.excess(0)).isZero();
    }
}
