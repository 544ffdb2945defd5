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

    @Test
    void underASmallFakeLimitTheFleetSpreadsOverMoreWorkers() {
        // 650 open files leave 150 devices per worker after the worker's own descriptors
        WorkerPlan plan = WorkerPlan.forLimit(300, 650, 0);
        assertThat(plan.workers()).isEqualTo(2);
        assertThat(plan.perWorker()).isEqualTo(150);
        assertThat(plan.split(300)).containsExactly(150, 150);
        assertThat(WorkerPlan.forLimit(301, 650, 0).workers()).isEqualTo(3);
        assertThat(WorkerPlan.forLimit(300, 20_000, 0).workers()).isEqualTo(1);
        assertThat(WorkerPlan.forLimit(15_000, 20_000, 8_000).workers()).isEqualTo(2);
    }

    @Test
    void aLimitWithoutRoomForDevicesIsRefused() {
        assertThatThrownBy(() -> WorkerPlan.forLimit(10, WorkerPlan.RESERVED_DESCRIPTORS, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room");
    }

    @Test
    void anUnlimitedLimitIsBoundedByTheSourceAddressesOfAWorker() {
        WorkerPlan plan = WorkerPlan.forLimit(1_000_000, Long.MAX_VALUE, 0);
        assertThat(plan.perWorker()).isEqualTo(WorkerPlan.ADDRESSES_PER_WORKER);
        assertThat(plan.workers()).isEqualTo(16);
        assertThatThrownBy(() -> WorkerPlan.forLimit(20_000_000, Long.MAX_VALUE, 0))
                .hasMessageContaining("source addresses");
    }
}
