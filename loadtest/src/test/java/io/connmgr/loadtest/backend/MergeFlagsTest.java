package io.connmgr.loadtest.backend;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MergeFlagsTest {

    @Test
    void aSettingTheUserGivesReplacesTheScenarios() {
        assertThat(BackendSession.mergeFlags(List.of("--idle-after", "1s", "--sleep-after", "2s"),
                List.of("--sleep-after=10s", "--io-threads", "1")))
                .containsExactly("--idle-after", "1s", "--sleep-after=10s", "--io-threads", "1");
    }

    @Test
    void withoutUserFlagsTheScenariosStay() {
        assertThat(BackendSession.mergeFlags(List.of("--idle-after", "1s"), List.of()))
                .containsExactly("--idle-after", "1s");
    }
}
