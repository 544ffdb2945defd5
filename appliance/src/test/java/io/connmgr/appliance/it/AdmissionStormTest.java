package io.connmgr.appliance.it;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.control.DisconnectCause;
import io.connmgr.agent.control.StateChange;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A reconnect storm in miniature: a fleet of real agents ({@link DeviceClient}) connects at once to an appliance whose
 * admission rate is far below the fleet, over real loopback sockets. Every device must get in, the excess must have
 * been told GOAWAY(OVERLOADED) with a reconnect-after inside the window the rate needs for the fleet, nobody may fail
 * any other way, and the appliance must stay ready throughout.
 */
class AdmissionStormTest {
    private static final int FLEET = 300;
    private static final int RATE = 30;
    private static final int BURST = 10;

    @TempDir
    Path dir;
    private ApplianceHarness harness;
    private EventLoopGroup group;
    private final List<DeviceClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        clients.forEach(DeviceClient::close);
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void burstOfAgents_overTheAdmissionRate_allGetIn_theExcessToldWhenToComeBack() throws Exception {
        harness = new ApplianceHarness(dir, "admission-rate", Integer.toString(RATE),
                "admission-burst", Integer.toString(BURST), "admission-defer-max", "30s").start();
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ConcurrentLinkedQueue<GoAway> goAways = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<DisconnectCause> otherFailures = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < FLEET; i++) {
            String id = "storm-" + i;
            clients.add(DeviceClient.builder()
                    .appliance("127.0.0.1", harness.devicePort())
                    .deviceId(id)
                    .token(harness.fleetToken(id))
                    .eventLoopGroup(group)
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                    .listener(new DeviceClientListener() {
                        @Override
                        public void onGoAway(GoAway goAway) {
                            goAways.add(goAway);
                        }

                        @Override
                        public void onStateChange(StateChange change) {
                            if (change.state() == ConnectionState.BACKING_OFF
                                    && change.cause().kind() != DisconnectCause.Kind.GOAWAY) {
                                otherFailures.add(change.cause());
                            }
                        }
                    })
                    .build());
        }
        long startNanos = System.nanoTime();
        clients.forEach(DeviceClient::start);

        // All in, within the time the rate needs for the fleet, the shortest deferral and a few seconds of slack for
        // the devices' jitter (max(1 s, 20 % of the hint), docs/protocol.md 6.6) and a shared machine.
        long admitSeconds = (FLEET - BURST + RATE - 1) / RATE;
        await().atMost(Duration.ofSeconds(admitSeconds + 30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(harness.admin("GET", "/readyz", null).statusCode()).as("readiness during the storm")
                    .isEqualTo(200);
            return clients.stream().allMatch(c -> c.state() == ConnectionState.CONNECTED);
        });
        Duration allIn = Duration.ofNanos(System.nanoTime() - startNanos);

        assertThat(otherFailures).as("failures other than GOAWAY(OVERLOADED)").isEmpty();
        // How many are deferred depends on how fast the fleet arrives (a busy machine spreads its connects); that some
        // are, and that the fleet took as long as the rate needs, does not.
        assertThat(goAways).as("the excess was deferred").isNotEmpty();
        // The window the rate needs for everyone deferred: the fleet over the rate, plus the shortest deferral.
        long windowMillis = 1000 + (long) goAways.size() * 1000 / RATE;
        assertThat(goAways).allSatisfy(g -> {
            assertThat(g.reason()).isEqualTo(ReasonCode.OVERLOADED);
            assertThat(g.reconnectAfterMillis()).isBetween(1000L, windowMillis);
        });
        assertThat(harness.counter("cm.admission.admitted")).isEqualTo(FLEET);
        assertThat(harness.counter("cm.admission.deferred", "reason", "rate")).isEqualTo(goAways.size());
        assertThat(harness.counter("cm.admission.deferred", "reason", "pending")).isZero();
        assertThat(harness.total("cm.auth.failures")).isZero();
        assertThat(harness.appliance.manager().awakeCount()).isEqualTo(FLEET);
        assertThat(harness.gauge("cm.admission.rate")).isEqualTo(RATE);
        assertThat(allIn).as("no faster than the rate allows").isGreaterThanOrEqualTo(
                Duration.ofSeconds((FLEET - BURST) / RATE - 1));
    }
}
