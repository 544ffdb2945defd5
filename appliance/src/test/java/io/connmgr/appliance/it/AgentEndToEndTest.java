package io.connmgr.appliance.it;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.control.StateChange;
import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real client agent library against the real appliance. */
class AgentEndToEndTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;
    DeviceClient client;
    final List<Long> connectedAtNanos = new CopyOnWriteArrayList<>();
    final List<Welcome> welcomes = new CopyOnWriteArrayList<>();
    final List<GoAway> goAways = new CopyOnWriteArrayList<>();
    final List<Long> goAwayAtNanos = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    private DeviceClient startAgent(String id, int keepAliveSeconds) {
        client = DeviceClient.builder()
                .appliance("127.0.0.1", harness.devicePort())
                .deviceId(id)
                .token(harness.fleetToken(id))
                .keepAliveSeconds(keepAliveSeconds)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .listener(new DeviceClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        if (change.state() == ConnectionState.CONNECTED) {
                            connectedAtNanos.add(System.nanoTime());
                            welcomes.add(change.welcome());
                        }
                    }

                    @Override
                    public void onGoAway(GoAway goAway) {
                        goAwayAtNanos.add(System.nanoTime());
                        goAways.add(goAway);
                    }
                })
                .build()
                .start();
        return client;
    }

    @Test
    void agent_goesActiveIdleSleep_whileItsKeepAlivesAreAnsweredFromTheSleepTable_andAMessageWakesIt() throws Exception {
        harness = new ApplianceHarness(dir, "idle-after", "300ms", "sleep-after", "800ms", "keep-alive-min", "1s")
                .start();
        startAgent("agent-1", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ConnectionState.CONNECTED);
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("agent-1") == Tier.IDLE);
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("agent-1") == Tier.SLEEP);
        double answered = harness.counter("cm.keepalives.answered", "tier", "sleep");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> harness.counter("cm.keepalives.answered", "tier", "sleep") >= answered + 2);
        assertThat(harness.tierOf("agent-1")).isEqualTo(Tier.SLEEP);
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);

        long seq = client.send("reading 42".getBytes()).get(10, TimeUnit.SECONDS);
        assertThat(seq).isEqualTo(1);
        assertThat(harness.uplinks).hasSize(1);
        assertThat(new String(harness.uplinks.getFirst().payload())).isEqualTo("reading 42");
        assertThat(harness.counter("cm.wakes", "cause", "device_data")).isEqualTo(1);
    }

    @Test
    void gracefulShutdown_sendsGoAway_andTheAgentReconnectsAfterTheHint_resumingItsSession() throws Exception {
        harness = new ApplianceHarness(dir, "reconnect-after-min", "1500ms", "reconnect-after-max", "1500ms")
                .start();
        startAgent("agent-1", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ConnectionState.CONNECTED);
        client.send("before".getBytes()).get(10, TimeUnit.SECONDS);

        harness.appliance.drain();
        await().atMost(Duration.ofSeconds(10)).until(() -> !goAways.isEmpty());
        assertThat(goAways.getFirst().reason()).isEqualTo(ReasonCode.SHUTTING_DOWN);
        assertThat(goAways.getFirst().reconnectAfterMillis()).isEqualTo(1500);

        harness.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> connectedAtNanos.size() == 2);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(connectedAtNanos.get(1) - goAwayAtNanos.getFirst());
        assertThat(waitedMillis).as("reconnected no sooner than the hint").isGreaterThanOrEqualTo(1500);
        assertThat(welcomes.get(1).resumed()).isTrue();
        assertThat(welcomes.get(1).lastUplinkSeq()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.tierOf("agent-1") == Tier.ACTIVE);
    }
}
