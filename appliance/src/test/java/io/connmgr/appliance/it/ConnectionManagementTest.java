package io.connmgr.appliance.it;

import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Operator actions, admission control, the performance monitor and session expiry, on a real appliance. */
class ConnectionManagementTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private TestDevice connect(String id) throws Exception {
        return harness.connect(id);
    }

    @Test
    void adminDisconnect_sendsGoAwayToAwakeAndSleepingDevices() throws Exception {
        harness = new ApplianceHarness(dir).start();
        try (TestDevice awake = connect("dev-1"); TestDevice asleep = connect("dev-2")) {
            harness.admin("POST", "/v1/devices/dev-2/tier", "{\"tier\":\"SLEEP\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-2") == Tier.SLEEP);
            for (var pair : new Object[][]{{"dev-1", awake}, {"dev-2", asleep}}) {
                var response = harness.admin("DELETE", "/v1/devices/" + pair[0] + "/connection", null);
                assertThat(response.statusCode()).isEqualTo(204);
                TestDevice d = (TestDevice) pair[1];
                assertThat(((GoAway) d.read()).reason()).isEqualTo(ReasonCode.ADMIN_DISCONNECT);
                assertThat(d.closedByPeer()).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> harness.appliance.manager().disconnected() == 2);
            assertThat(harness.admin("DELETE", "/v1/devices/dev-1/connection", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void deviceListing_filtersByTier_andPagesWithACursor() throws Exception {
        harness = new ApplianceHarness(dir).start();
        try (TestDevice a = connect("dev-a"); TestDevice b = connect("dev-b"); TestDevice c = connect("dev-c")) {
            harness.admin("POST", "/v1/devices/dev-b/tier", "{\"tier\":\"SLEEP\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-b") == Tier.SLEEP);
            String sleeping = harness.admin("GET", "/v1/devices?tier=SLEEP", null).body();
            assertThat(sleeping).contains("dev-b").doesNotContain("dev-a").doesNotContain("dev-c");
            String page1 = harness.admin("GET", "/v1/devices?limit=2", null).body();
            assertThat(page1).contains("dev-a", "dev-b").doesNotContain("dev-c").contains("\"next_cursor\":\"dev-b\"");
            String page2 = harness.admin("GET", "/v1/devices?limit=2&cursor=dev-b", null).body();
            assertThat(page2).contains("dev-c").doesNotContain("dev-a");
        }
    }

    @Test
    void floodOfConnects_beyondPendingHandshakes_isToldToComeBackLater() throws Exception {
        harness = new ApplianceHarness(dir, "max-pending-handshakes", "2").start();
        try (TestDevice s1 = new TestDevice(harness.devicePort()); TestDevice s2 = new TestDevice(harness.devicePort())) {
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> harness.counter("cm.connections.accepted") == 2);
            try (TestDevice third = new TestDevice(harness.devicePort())) {
                GoAway goAway = (GoAway) third.read();
                assertThat(goAway.reason()).isEqualTo(ReasonCode.OVERLOADED);
                assertThat(goAway.reconnectAfterMillis()).isBetween(1000L, 60_000L);
                assertThat(third.closedByPeer()).isTrue();
            }
            assertThat(harness.counter("cm.admission.deferred", "reason", "pending")).isEqualTo(1);
            assertThat(harness.gauge("cm.admission.pending.handshakes")).isEqualTo(2);
        }
    }

    @Test
    void acceptPause_atThePendingCap_leavesTheExcessInTheBacklog_untilHandshakesFinish() throws Exception {
        harness = new ApplianceHarness(dir, "max-pending-handshakes", "2", "admission-accept-pause", "true").start();
        try (TestDevice s1 = new TestDevice(harness.devicePort()); TestDevice s2 = new TestDevice(harness.devicePort())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> harness.gauge("cm.admission.accept.paused") == 1);
            // The listener's read already requested is still served (Netty): one more accept batch comes in and, over
            // the cap, is sent away. After it the listener stops accepting.
            try (TestDevice third = new TestDevice(harness.devicePort())) {
                assertThat(((GoAway) third.read()).reason()).isEqualTo(ReasonCode.OVERLOADED);
            }
            try (TestDevice fourth = new TestDevice(harness.devicePort())) {
                fourth.send(TestDevice.hello("dev-4", harness.fleetToken("dev-4")));
                // Held by the kernel, not accepted: nothing is spent on it, and it is not sent away either.
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                        .until(() -> harness.counter("cm.connections.accepted") == 3);
                s1.connect("dev-1", harness.fleetToken("dev-1"));
                assertThat(fourth.read()).isInstanceOf(io.connmgr.protocol.message.Welcome.class);
                assertThat(harness.counter("cm.connections.accepted")).isEqualTo(4);
                assertThat(harness.counter("cm.admission.accept.pauses")).isGreaterThanOrEqualTo(1);
                assertThat(harness.counter("cm.admission.deferred", "reason", "pending")).isEqualTo(1);
            }
        }
    }

    @Test
    void performanceMonitor_putsTheLongestQuietToSleep_whenTooManyAreAwake() throws Exception {
        harness = new ApplianceHarness(dir, "pressure-max-awake", "2", "pressure-check-interval", "100ms").start();
        try (TestDevice d1 = connect("dev-1"); TestDevice d2 = connect("dev-2"); TestDevice d3 = connect("dev-3")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);
            assertThat(harness.appliance.manager().awakeCount()).isEqualTo(2);
            assertThat(harness.tierOf("dev-3")).isEqualTo(Tier.ACTIVE);
            assertThat(harness.counter("cm.tier.transitions", "from", "active", "to", "sleep", "cause", "pressure"))
                    .isEqualTo(1);
        }
    }

    @Test
    void disconnectedSession_expiresAfterSessionExpiry() throws Exception {
        harness = new ApplianceHarness(dir, "session-expiry", "1s").start();
        try (TestDevice d = connect("dev-1")) {
            d.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> harness.appliance.store().loadSession("dev-1").isPresent());
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.appliance.store().loadSession("dev-1").isEmpty());
            assertThat(harness.appliance.manager().disconnected()).isZero();
        }
    }

    @Test
    void deviceSockets_haveKernelKeepAliveAndUserTimeout() throws Exception {
        harness = new ApplianceHarness(dir, "tcp-keepalive-idle", "90s", "tcp-keepalive-interval", "15s",
                "tcp-keepalive-count", "5", "tcp-user-timeout", "120s").start();
        try (TestDevice d = connect("dev-1")) {
            var config = (EpollSocketChannelConfig) harness.appliance.manager().awakeSession("dev-1").orElseThrow()
                    .channel().config();
            assertThat(config.isKeepAlive()).isTrue();
            assertThat(config.getTcpKeepIdle()).isEqualTo(90);
            assertThat(config.getTcpKeepIntvl()).isEqualTo(15);
            assertThat(config.getTcpKeepCnt()).isEqualTo(5);
            assertThat(config.getTcpUserTimeout()).isEqualTo(120_000);
        }
    }
}
