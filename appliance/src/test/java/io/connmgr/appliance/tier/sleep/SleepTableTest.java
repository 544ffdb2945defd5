package io.connmgr.appliance.tier.sleep;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SleepTableTest {
    @Test
    void add_growsToHighFds_andFindsEntriesBothWays() {
        SleepTable table = new SleepTable(4, 100);

        assertThat(table.add(3, 30L, 0, 60)).isTrue();
        assertThat(table.add(1000, -5L, 0, 60)).isTrue();

        assertThat(table.size()).isEqualTo(2);
        assertThat(table.fdOf(-5L)).isEqualTo(1000);
        assertThat(table.deviceKeyOf(3)).isEqualTo(30L);
        assertThat(table.fds()).containsExactly(3, 1000);
        assertThat(table.contains(999)).isFalse();
    }

    @Test
    void add_refusesDuplicateFdOrKey_andBeyondMaxEntries() {
        SleepTable table = new SleepTable(4, 2);
        assertThat(table.add(1, 10L, 0, 60)).isTrue();

        assertThat(table.add(1, 11L, 0, 60)).as("fd taken").isFalse();
        assertThat(table.add(2, 10L, 0, 60)).as("key taken").isFalse();
        assertThat(table.add(2, 11L, 0, 60)).isTrue();
        assertThat(table.add(3, 12L, 0, 60)).as("full").isFalse();
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.fdOf(12L)).isEqualTo(-1);
    }

    @Test
    void remove_freesBothTheFdAndTheKey() {
        SleepTable table = new SleepTable(4, 10);
        table.add(2, 20L, 0, 60);

        table.remove(2);

        assertThat(table.contains(2)).isFalse();
        assertThat(table.fdOf(20L)).isEqualTo(-1);
        assertThat(table.add(2, 20L, 0, 60)).isTrue();
    }

    @Test
    void expired_listsOnlyEntriesSilentLongerThanTheirTimeout() {
        SleepTable table = new SleepTable(8, 10);
        table.add(1, 1L, 0, 30);
        table.add(2, 2L, 0, 60);
        table.add(3, 3L, 0, 30);
        table.touch(3, 20);

        assertThat(table.expired(30)).isEmpty();
        assertThat(table.expired(31)).containsExactly(1);
        assertThat(table.expired(61)).containsExactly(1, 2, 3);
    }

    @Test
    void bytes_stayUnderOneHundredPerEntry_whenFdsAreDense() {
        SleepTable table = new SleepTable(16, 20_000);
        long emptyBytes = table.bytes();
        for (int fd = 0; fd < 15_000; fd++) {
            table.add(fd, fd * 0x9E3779B97F4A7C15L, 0, 60);
        }

        assertThat(table.bytes()).isGreaterThan(emptyBytes);
        assertThat(table.bytes() / 15_000).isLessThan(100);
    }
}
