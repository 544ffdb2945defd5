package io.connmgr.appliance.it;

import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.SessionState;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A device goes through the tiers over real loopback sockets against a real appliance and store. */
class DeviceLinkTiersTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private ApplianceHarness start(String... flags) throws InterruptedException {
        harness = new ApplianceHarness(dir, flags).start();
        return harness;
    }

    private TestDevice connect(String id) throws Exception {
        return harness.connect(id);
    }

    private void awaitTier(String id, Tier tier) {
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf(id) == tier);
    }

    @Test
    void quietDevice_goesActiveThenIdleThenSleep_andStatsShowIt() throws Exception {
        start("idle-after", "200ms", "sleep-after", "600ms");
        try (TestDevice d = connect("dev-1")) {
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            awaitTier("dev-1", Tier.IDLE);
            awaitTier("dev-1", Tier.SLEEP);
            var stats = harness.admin("GET", "/v1/stats", null);
            assertThat(stats.statusCode()).isEqualTo(200);
            assertThat(stats.body()).contains("\"sleep\":1").contains("\"active\":0").contains("\"idle\":0");
            assertThat(harness.counter("cm.tier.transitions", "from", "active", "to", "idle", "cause", "timer"))
                    .isEqualTo(1);
            assertThat(harness.counter("cm.tier.transitions", "from", "idle", "to", "sleep", "cause", "timer"))
                    .isEqualTo(1);
        }
    }

    @Test
    void pingInSleep_isAnsweredWithZeroStoreReadsAndNoTierChange() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        try (TestDevice d = connect("dev-1")) {
            awaitTier("dev-1", Tier.SLEEP);
            double reads = harness.total("cm.store.reads");
            double transitions = harness.total("cm.tier.transitions");
            for (int i = 0; i < 3; i++) {
                d.send(Ping.INSTANCE);
                assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            }
            // The sleep loop counts a PONG once its write returns, which may be just after the device has read it.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> harness.counter("cm.keepalives.answered", "tier", "sleep") == 3);
            assertThat(harness.total("cm.store.reads")).isEqualTo(reads);
            assertThat(harness.total("cm.tier.transitions")).isEqualTo(transitions);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.SLEEP);
        }
    }

    @Test
    void pingInIdle_isAnsweredWithoutPromotion() throws Exception {
        start("idle-after", "100ms", "sleep-after", "0ms");
        try (TestDevice d = connect("dev-1")) {
            awaitTier("dev-1", Tier.IDLE);
            double reads = harness.total("cm.store.reads");
            d.sendRaw(concat(Wire.ping(), Wire.ping()));
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.IDLE);
            assertThat(harness.counter("cm.keepalives.answered", "tier", "idle")).isEqualTo(2);
            assertThat(harness.total("cm.store.reads")).isEqualTo(reads);
        }
    }

    @Test
    void msgWakesSleepingDevice_withNoByteLost() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        try (TestDevice d = connect("dev-1")) {
            awaitTier("dev-1", Tier.SLEEP);
            byte[] payload = new byte[200_000];
            new Random(7).nextBytes(payload);
            // A PING and a large MSG in one write: the sleep loop answers the PING and hands every other byte on.
            d.sendRaw(concat(Wire.ping(), FrameCodec.toBytes(new Msg(1, payload))));
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
            assertThat(d.read()).isEqualTo(new Ack(1));
            assertThat(harness.uplinks).containsExactly(new Msg(1, payload));
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            assertThat(harness.counter("cm.wakes", "cause", "device_data")).isEqualTo(1);
            d.send(new Msg(2, "after".getBytes()));
            assertThat(d.read()).isEqualTo(new Ack(2));
        }
    }

    @Test
    void adminApiWakesSleepingDevice() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        try (TestDevice d = connect("dev-1")) {
            awaitTier("dev-1", Tier.SLEEP);
            var response = harness.admin("POST", "/v1/devices/dev-1/tier", "{\"tier\":\"ACTIVE\"}");
            assertThat(response.statusCode()).isEqualTo(202);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            assertThat(harness.counter("cm.wakes", "cause", "admin")).isEqualTo(1);
            d.send(new Msg(1, "hello".getBytes()));
            assertThat(d.read()).isEqualTo(new Ack(1));
        }
    }

    @Test
    void adminApiPutsDeviceToSleepAndIdle() throws Exception {
        start();
        try (TestDevice d = connect("dev-1")) {
            assertThat(harness.admin("POST", "/v1/devices/dev-1/tier", "{\"tier\":\"IDLE\"}").statusCode())
                    .isEqualTo(202);
            awaitTier("dev-1", Tier.IDLE);
            assertThat(harness.admin("POST", "/v1/devices/dev-1/tier", "{\"tier\":\"SLEEP\"}").statusCode())
                    .isEqualTo(202);
            awaitTier("dev-1", Tier.SLEEP);
            assertThat(harness.counter("cm.tier.transitions", "from", "idle", "to", "sleep", "cause", "admin"))
                    .isEqualTo(1);
        }
    }

    @Test
    void sleepingSession_survivesRestart_andDeviceResumesByToken() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        Welcome first;
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            first = d.connect("dev-1", harness.fleetToken("dev-1"));
            d.send(new Msg(1, "one".getBytes()));
            assertThat(d.read()).isEqualTo(new Ack(1));
            awaitTier("dev-1", Tier.SLEEP);
            harness.restart();
        }
        var stored = harness.appliance.store().loadSession("dev-1").orElseThrow();
        assertThat(stored.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(stored.lastUplinkSeq()).isEqualTo(1);
        assertThat(harness.admin("GET", "/v1/devices/dev-1", null).body()).contains("DISCONNECTED");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(new Hello(Wire.PROTOCOL_VERSION, 0, 0, "dev-1", harness.fleetToken("dev-1").getBytes(),
                    first.resumeToken()));
            Welcome again = (Welcome) d.read();
            assertThat(again.resumed()).isTrue();
            assertThat(again.lastUplinkSeq()).isEqualTo(1);
            d.send(new Msg(1, "one, again".getBytes()));
            assertThat(d.read()).isEqualTo(new Ack(1));
            assertThat(harness.uplinks).as("the replayed MSG is not delivered twice").hasSize(1);
        }
    }

    @Test
    void duplicateDevice_newestConnectionWins_awakeAndAsleep() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        try (TestDevice a = connect("dev-1"); TestDevice b = connect("dev-1")) {
            Frame f = a.read();
            assertThat(f).isInstanceOf(GoAway.class);
            assertThat(((GoAway) f).reason()).isEqualTo(ReasonCode.REPLACED);
            assertThat(a.closedByPeer()).isTrue();
            b.send(Ping.INSTANCE);
            assertThat(b.read()).isEqualTo(Pong.INSTANCE);
            awaitTier("dev-1", Tier.SLEEP);
            try (TestDevice c = connect("dev-1")) {
                assertThat(((GoAway) b.read()).reason()).isEqualTo(ReasonCode.REPLACED);
                assertThat(b.closedByPeer()).isTrue();
                assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
                c.send(Ping.INSTANCE);
                assertThat(c.read()).isEqualTo(Pong.INSTANCE);
            }
        }
    }

    @Test
    void deviceCommands_areStoredAndSleepNowSleeps() throws Exception {
        start();
        try (TestDevice d = connect("dev-1")) {
            d.send(new Cmd(1, CmdOpcode.SET_IDLE_AFTER, 7));
            assertThat(d.read()).isEqualTo(new CmdResult(1, CmdStatus.OK));
            assertThat(harness.appliance.store().loadSettings("dev-1").orElseThrow().idleAfterMillis()).isEqualTo(7000);
            d.send(new Cmd(2, CmdOpcode.SET_ALWAYS_ACTIVE, 5));
            assertThat(d.read()).isEqualTo(new CmdResult(2, CmdStatus.INVALID_VALUE));
            d.send(new Cmd(3, 0x7F, 0));
            assertThat(d.read()).isEqualTo(new CmdResult(3, CmdStatus.UNKNOWN_COMMAND));
            d.send(new Cmd(4, CmdOpcode.SLEEP_NOW, 0));
            assertThat(d.read()).isEqualTo(new CmdResult(4, CmdStatus.OK));
            awaitTier("dev-1", Tier.SLEEP);
            assertThat(harness.counter("cm.tier.transitions", "from", "active", "to", "sleep", "cause",
                    "device_command")).isEqualTo(1);
        }
    }

    @Test
    void alwaysActiveDevice_isNeverDemotedByTimers() throws Exception {
        start("idle-after", "50ms", "sleep-after", "100ms");
        try (TestDevice d = connect("dev-1")) {
            d.send(new Cmd(1, CmdOpcode.SET_ALWAYS_ACTIVE, 1));
            assertThat(d.read()).isEqualTo(new CmdResult(1, CmdStatus.OK));
            try (TestDevice other = connect("dev-2")) {
                awaitTier("dev-2", Tier.SLEEP); // timers have run many times meanwhile
                assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            }
        }
    }

    @Test
    void silentDevice_isClosed_andItsSessionWaitsAsDisconnected() throws Exception {
        start("keep-alive-min", "1s", "silent-keepalives", "1");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(new Hello(Wire.PROTOCOL_VERSION, 1, 0, "dev-1", harness.fleetToken("dev-1").getBytes(), null));
            assertThat(((Welcome) d.read()).keepAliveSeconds()).isEqualTo(1);
            GoAway goAway = (GoAway) d.read();
            assertThat(goAway.reason()).isEqualTo(ReasonCode.SILENT);
            assertThat(d.closedByPeer()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> harness.appliance.store().loadSession("dev-1")
                    .map(s -> s.state() == SessionState.DISCONNECTED).orElse(false));
        }
    }

    @Test
    void silentSleepingDevice_isClosedBySleepLoop() throws Exception {
        start("keep-alive-min", "1s", "silent-keepalives", "2", "idle-after", "0ms", "sleep-after", "50ms");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(new Hello(Wire.PROTOCOL_VERSION, 1, 0, "dev-1", harness.fleetToken("dev-1").getBytes(), null));
            d.read();
            awaitTier("dev-1", Tier.SLEEP);
            assertThat(d.closedByPeer()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> harness.appliance.manager().disconnected() == 1);
            assertThat(harness.appliance.store().loadSession("dev-1").orElseThrow().state())
                    .isEqualTo(SessionState.DISCONNECTED);
        }
    }

    @Test
    void drain_sendsJitteredGoAwayToAwakeAndSleepingDevices() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms", "reconnect-after-min", "2s",
                "reconnect-after-max", "9s");
        try (TestDevice sleeper = connect("dev-1")) {
            awaitTier("dev-1", Tier.SLEEP);
            try (TestDevice awake = connect("dev-2")) {
                harness.appliance.drain();
                for (TestDevice d : new TestDevice[]{sleeper, awake}) {
                    GoAway g = (GoAway) d.read();
                    assertThat(g.reason()).isEqualTo(ReasonCode.SHUTTING_DOWN);
                    assertThat(g.reconnectAfterMillis()).isBetween(2000L, 9000L);
                    assertThat(d.closedByPeer()).isTrue();
                }
            }
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
