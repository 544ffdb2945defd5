package io.connmgr.appliance.it;

import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real connection manager with the default timers (30 s, 5 min) under a fake clock: the test moves time and
 * runs the sweep itself, so minutes pass in milliseconds and nothing depends on the machine's speed.
 */
class TierTimersFakeClockTest {
    @TempDir
    Path dir;
    final FakeTime time = new FakeTime();
    ApplianceHarness harness;

    @BeforeEach
    void start() throws InterruptedException {
        // The automatic sweep would also read the fake clock; a long interval leaves the sweeps to the test.
        harness = new ApplianceHarness(dir, "sweep-interval", "60s", "keep-alive", "60s").withTime(time).start();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private void advanceAndSweep(Duration d) {
        time.advance(d);
        harness.appliance.manager().sweep();
    }

    private void awaitTier(String id, Tier tier) {
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.tierOf(id) == tier);
    }

    @Test
    void defaultTimers_idleAt30s_sleepAt5min_keepAlivesDoNotResetThem() throws Exception {
        try (TestDevice d = harness.connect("dev-1")) {
            advanceAndSweep(Duration.ofSeconds(29));
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            advanceAndSweep(Duration.ofSeconds(1));
            awaitTier("dev-1", Tier.IDLE);
            for (int minute = 1; minute < 5; minute++) {
                advanceAndSweep(Duration.ofSeconds(59));
                d.send(Ping.INSTANCE); // keep-alives prove life but are not activity
                assertThat(d.read()).isEqualTo(Pong.INSTANCE);
                assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.IDLE);
            }
            advanceAndSweep(Duration.ofSeconds(34)); // 300 s since the last application data
            awaitTier("dev-1", Tier.SLEEP);
        }
    }

    @Test
    void applicationData_resetsTheTimers() throws Exception {
        try (TestDevice d = harness.connect("dev-1")) {
            advanceAndSweep(Duration.ofSeconds(25));
            d.send(new Msg(1, new byte[]{1}));
            assertThat(d.read()).isEqualTo(new Ack(1));
            advanceAndSweep(Duration.ofSeconds(25));
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            advanceAndSweep(Duration.ofSeconds(5));
            awaitTier("dev-1", Tier.IDLE);
        }
    }

    @Test
    void deviceSilentForThreeKeepAliveIntervals_isClosed() throws Exception {
        try (TestDevice d = harness.connect("dev-1")) {
            d.send(new Cmd(1, CmdOpcode.SET_ALWAYS_ACTIVE, 1)); // so the sleep timer does not get there first
            assertThat(d.read()).isEqualTo(new CmdResult(1, CmdStatus.OK));
            advanceAndSweep(Duration.ofSeconds(179));
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            advanceAndSweep(Duration.ofSeconds(179));
            assertThat(harness.appliance.manager().awakeCount()).isEqualTo(1);
            advanceAndSweep(Duration.ofSeconds(2));
            assertThat(((GoAway) d.read()).reason()).isEqualTo(ReasonCode.SILENT);
            assertThat(d.closedByPeer()).isTrue();
            assertThat(harness.counter("cm.frames.rejected", "reason", "silent")).isEqualTo(1);
        }
    }

    @Test
    void lastServerLinkClosing_putsTheDeviceToSleep_andLinksHoldTheTimers() throws Exception {
        try (TestDevice d = harness.connect("dev-1")) {
            harness.appliance.manager().serverLinks("dev-1", +1);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    harness.appliance.manager().awakeSession("dev-1").orElseThrow().serverLinks() == 1);
            for (int minute = 0; minute < 10; minute++) {
                advanceAndSweep(Duration.ofSeconds(59));
                d.send(Ping.INSTANCE);
                assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            }
            assertThat(harness.tierOf("dev-1")).as("a linked device stays awake past both timers")
                    .isEqualTo(Tier.ACTIVE);
            harness.appliance.manager().serverLinks("dev-1", -1);
            awaitTier("dev-1", Tier.SLEEP);
            assertThat(harness.counter("cm.tier.transitions", "from", "active", "to", "sleep", "cause",
                    "server_activity")).isEqualTo(1);
        }
    }
}
