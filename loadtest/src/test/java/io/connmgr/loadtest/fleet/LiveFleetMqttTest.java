package io.connmgr.loadtest.fleet;

import io.connmgr.agent.control.ReconnectPolicy;
import io.connmgr.loadtest.launch.Mosquitto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** Live MQTT devices in this JVM against a real mosquitto: they connect, keep alive, and come back by themselves. */
class LiveFleetMqttTest {
    private static final int DEVICES = 50;
    @TempDir
    Path dir;
    private Mosquitto broker;
    private LiveFleet fleet;

    @BeforeEach
    void start() throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        broker = Mosquitto.start(dir, Duration.ofSeconds(20));
        fleet = new LiveFleet(0, "t", new InetSocketAddress("127.0.0.1", broker.port()), new MqttProtocol(1),
                new ReconnectPolicy(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(30)),
                Duration.ofSeconds(5));
        fleet.startRamp(DEVICES, 0, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20)).until(() -> fleet.snapshot().connected() == DEVICES);
    }

    @AfterEach
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void devicesKeepThemselvesAliveAtTheirKeepAlive() {
        // A 1 s keep-alive: the broker would drop a silent device after 1.5 s, so answers and no losses mean pings.
        await().atMost(Duration.ofSeconds(15)).until(() -> fleet.snapshot().pongs() >= 2L * DEVICES);
        LiveFleet.Snapshot s = fleet.snapshot();
        assertThat(s.lost()).isZero();
        assertThat(s.connected()).isEqualTo(DEVICES);
        assertThat(s.pings()).isGreaterThanOrEqualTo(s.pongs());
    }

    @Test
    void afterTheBrokerRestartsEveryDeviceComesBackOnItsOwn() throws Exception {
        fleet.mark();
        broker.restart(true, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            LiveFleet.Snapshot s = fleet.snapshot();
            return s.connected() == DEVICES && s.fullAtMillis() > 0;
        });
        LiveFleet.Snapshot s = fleet.snapshot();
        assertThat(s.lost()).isEqualTo(DEVICES);
        assertThat(s.reconnected()).isEqualTo(DEVICES);
        assertThat(s.attempts()).isGreaterThanOrEqualTo(2L * DEVICES);
        assertThat(fleet.reconnectNanos().getTotalCount()).isEqualTo(DEVICES);
    }

    @Test
    void droppedDevicesReconnectAtOnce() {
        fleet.mark();
        assertThat(fleet.dropAll()).isEqualTo(DEVICES);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            LiveFleet.Snapshot s = fleet.snapshot();
            return s.connected() == DEVICES && s.fullAtMillis() > 0;
        });
        assertThat(fleet.snapshot().failed()).isZero();
        assertThat(fleet.snapshot().reconnected()).isEqualTo(DEVICES);
    }

    @Test
    void extraProbesAreSentAndAnswered() {
        LiveFleet.PingResult r = fleet.ping(100, Duration.ofMillis(500), Duration.ofSeconds(5));
        assertThat(r.sent()).isEqualTo(100);
        assertThat(r.pongs()).isGreaterThanOrEqualTo(100);
    }
}
