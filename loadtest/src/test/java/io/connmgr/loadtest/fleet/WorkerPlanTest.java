package io.connmgr.loadtest.fleet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPlanTest {

    @Test
    void fifteenThousandDevicesNeedTwoWorkersOfEightThousand() {
        WorkerPlan plan = WorkerPlan.forFleet(15_000, 8_000, 20_000);
        assertThat(plan.workers()).isEqualTo(2);
        assertThat(plan.split(15_000)).containsExactly(7_500, 7_500);
        assertThat(plan.split(5_001)).containsExactly(2_501, 2_500);
    }

    @Test
    void perWorkerCountMustLeaveRoomUnderTheFileLimit() {
        assertThatThrownBy(() -> WorkerPlan.forFleet(15_000, 19_800, 20_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("19500");
        assertThat(WorkerPlan.forFleet(15_000, 19_500, 20_000).workers()).isEqualTo(1);
    }

    @Test
    void splitRefusesMoreThanTheWorkersHold() {
        WorkerPlan plan = WorkerPlan.forFleet(1_000, 300, 20_000);
        assertThat(plan.workers()).isEqualTo(4);
        assertThatThrownBy(() -> plan.split(1_201)).isInstanceOf(IllegalArgumentException.class);
        assertThat(plan.spread(10_000)).containsExactly(2_500, 2_500, 2_500, 2_500);
    }

    @Test
    void zeroDevicesStillGetOneWorker() {
        assertThat(WorkerPlan.forFleet(0, 8_000, 20_000).workers()).isEqualTo(1);
    }

    @Test
    void sourceAddressesAreDistinctPerWorkerAndDevice() {
        assertThat(WorkerPlan.sourceAddress(0, 0)).isEqualTo("127.1.1.1");
        assertThat(WorkerPlan.sourceAddress(0, 249)).isEqualTo("127.1.1.250");
        assertThat(WorkerPlan.sourceAddress(0, 250)).isEqualTo("127.1.2.1");
        assertThat(WorkerPlan.sourceAddress(1, 7_999)).isEqualTo("127.2.32.250");
        assertThatThrownBy(() -> WorkerPlan.sourceAddress(0, 62_500)).isInstanceOf(IllegalArgumentException.class);
    }
}
