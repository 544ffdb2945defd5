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

/**
 * The fleet's own keep-alive schedule, against a real mosquitto: the coordinator sets how often the devices probe,
 * whatever keep-alive their sessions declared, and can stop the probes; a broker holds quiet devices only as long as
 * their declared keep-alive allows.
 */
class LiveFleetKeepAliveTest {
    private static final int DEVICES = 40;
    private static final Duration INTERVAL = Duration.ofMillis(300);
    @TempDir
    Path dir;
    private Mosquitto broker;
    private LiveFleet fleet;

    @BeforeEach
    void startBroker() throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        broker = Mosquitto.start(dir, Duration.ofSeconds(20));
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

    private void connect(int declaredKeepAliveSeconds) {
        newFleet(declaredKeepAliveSeconds);
        ramp();
    }

    private void newFleet(int declaredKeepAliveSeconds) {
        fleet = new LiveFleet(0, "ka", new InetSocketAddress("127.0.0.1", broker.port()),
                new MqttProtocol(declaredKeepAliveSeconds),
                new ReconnectPolicy(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(30)),
                Duration.ofSeconds(5));
    }

    private void ramp() {
        fleet.startRamp(DEVICES, 0, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20)).until(() -> fleet.snapshot().connected() == DEVICES);
    }

    @Test
    void devicesProbeOnTheFleetsScheduleAndStopWhenToldTo() {
        connect(600); // their own first probe would be minutes away
        assertThat(fleet.snapshot().pings()).isZero();

        long t0 = System.nanoTime();
        fleet.keepAlive(INTERVAL, 0.2);
        await().atMost(Duration.ofSeconds(15)).until(() -> fleet.snapshot().pongs() >= 4L * DEVICES);
        // 4 probes a device on average means one device at least sent 4, the last 3 at least 0.8 interval apart
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(3).multipliedBy(8).dividedBy(10));

        fleet.keepAlive(Duration.ZERO, 0);
        long stoppedAt = fleet.snapshot().pings(); // every pending probe was cancelled on the loop
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> fleet.snapshot().pings() == stoppedAt);
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.snapshot().pongs() == stoppedAt);
        assertThat(fleet.snapshot().lost()).as("a declared keep-alive of 600 s holds a quiet device").isZero();

        fleet.keepAlive(INTERVAL, 0.2);
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.snapshot().pongs() >= stoppedAt + 2L * DEVICES);
        assertThat(fleet.snapshot().connected()).isEqualTo(DEVICES);
    }

    @Test
    void devicesConnectingAfterTheScheduleWasSetFollowIt() {
        newFleet(600);
        fleet.keepAlive(INTERVAL, 0.1);
        ramp();
        // on their sessions' keep-alive they would not probe for minutes
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.snapshot().pongs() >= 3L * DEVICES);
        assertThat(fleet.snapshot().lost()).isZero();
    }

    @Test
    void aBrokerDropsDevicesQuietBeyondTheirDeclaredKeepAlive() {
        connect(1);
        fleet.keepAlive(Duration.ZERO, 0);
        long stoppedAt = fleet.snapshot().pings();
        // mosquitto ends a session silent for 1.5 x its keep-alive: why hold's MQTT devices declare a long one
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.snapshot().lost() >= DEVICES);
        assertThat(fleet.snapshot().pings()).isEqualTo(stoppedAt);
    }
}
