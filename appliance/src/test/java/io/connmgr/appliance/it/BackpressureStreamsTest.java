package io.connmgr.appliance.it;

import io.connmgr.protocol.message.Capabilities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A stalled peer on one side of a stream, a busy peer on the other: the appliance stops reading the busy side, so
 * what it holds stays at a window or a write buffer however much the busy side has to send. Memory is read from
 * Netty's allocator (cm.buffers.allocator.direct), which holds every buffered byte of this JVM, the test's own peers
 * included: an upper bound on the appliance's.
 */
class BackpressureStreamsTest {
    /** What the busy side has to send: far more than any buffer on the way may hold. */
    static final int OFFERED = 512 * 1024 * 1024;
    /** What the appliance (and the test's peers, in the same JVM) may hold on top of what they held before. */
    static final long MEMORY_BOUND = 32L * 1024 * 1024;
    /** What may get past the stall: the window plus the kernel's socket buffers on loopback (a few MiB each way). */
    static final long MOVED_BOUND = 64L * 1024 * 1024;

    @TempDir
    Path dir;
    ApplianceHarness harness;
    StreamDevice device;

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    void start(String... flags) throws Exception {
        harness = new ApplianceHarness(dir, flags).withBackends(StreamFixtures.backends()).start();
    }

    long bufferedBytes() {
        return (long) harness.gauge("cm.buffers.allocator.direct") + (long) harness.gauge("cm.buffers.allocator.heap");
    }

    /** Waits until {@code moved} stops growing (unchanged over one 500 ms poll), within 30 s; returns where. */
    static long plateau(LongSupplier moved) {
        return plateau(moved, Duration.ofMillis(500));
    }

    /** Waits until {@code moved} stays unchanged for {@code quiet}, within 60 s; returns where. */
    static long plateau(LongSupplier moved, Duration quiet) {
        AtomicLong last = new AtomicLong(-1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(quiet).until(() -> {
            long now = moved.getAsLong();
            return now > 0 && now == last.getAndSet(now);
        });
        return last.get();
    }

    @Test
    void backendStopsReading_whileTheDeviceSends_theApplianceStopsTakingTheDevicesBytes() throws Exception {
        start("stream-window", "256KiB");
        try (var firehose = StreamFixtures.firehose(OFFERED)) {
            device = new StreamDevice(harness.devicePort(), Map.of(5000, firehose.port()));
            device.connect("dev-1", harness.fleetToken("dev-1"), Capabilities.STREAMS);
            long before = bufferedBytes();
            try (Socket stalled = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-1", 5000, BACKEND, SECRET)) {
                long sent = plateau(() -> device.sent.getOrDefault(1, new AtomicLong()).get());
                assertThat(sent).isLessThan(MOVED_BOUND);
                assertThat(bufferedBytes() - before).isLessThan(MEMORY_BOUND);
                // Not stuck: reading again lets the device send again.
                byte[] buf = new byte[64 * 1024];
                long read = 0;
                while (read < sent + 8 * 1024 * 1024) {
                    int n = stalled.getInputStream().read(buf);
                    assertThat(n).isPositive();
                    read += n;
                }
                assertThat(device.sent.get(1).get()).isGreaterThan(sent);
            }
        }
    }

    @Test
    void deviceStopsReading_whileTheBackendSends_theApplianceStopsReadingTheBackend() throws Exception {
        start("stream-window", "256KiB");
        try (var sink = new StreamFixtures.Server(BackpressureStreamsTest::discard)) {
            device = new StreamDevice(harness.devicePort(), Map.of(6000, sink.port()));
            // The device grants far more than it reads: only the link's own write buffer limits the appliance.
            device.grantWindow = 1L << 30;
            device.connect("dev-2", harness.fleetToken("dev-2"), Capabilities.STREAMS);
            long before = bufferedBytes();
            try (Socket busy = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-2", 6000, BACKEND, SECRET)) {
                device.reading(false);
                AtomicLong written = new AtomicLong();
                Thread writer = Thread.ofVirtual().start(() -> writeUpTo(busy, OFFERED, written));
                long moved = plateau(written::get);
                assertThat(moved).isLessThan(MOVED_BOUND);
                assertThat(harness.counter("cm.stream.bytes", "direction", "to_device")).isLessThan(MOVED_BOUND);
                assertThat(bufferedBytes() - before).isLessThan(MEMORY_BOUND);
                // The device reads again: the back-end's bytes flow again.
                device.reading(true);
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > moved + 16 * 1024 * 1024);
                busy.close();
                writer.join(Duration.ofSeconds(10));
            }
        }
    }

    @ParameterizedTest(name = "data-connection-splice {0}")
    @ValueSource(strings = {"false", "true"})
    void dataConnection_backendStopsReading_theApplianceStopsReadingTheDataConnection(String splice) throws Exception {
        start("data-connection-splice", splice);
        try (var firehose = StreamFixtures.firehose(OFFERED)) {
            device = new StreamDevice(harness.devicePort(), Map.of(5000, firehose.port()));
            device.connect("dev-3", harness.fleetToken("dev-3"), Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS);
            long before = bufferedBytes();
            try (Socket stalled = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-3", 5000, BACKEND, SECRET)) {
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> harness.total("cm.stream.data.connection.relays") == 1);
                // What the firehose got rid of, read on its side: the data connection, the appliance and the stalled
                // back-end's socket all stopped taking bytes.
                long offered = plateau(() -> firehose.accepted.isEmpty() ? 0 : sentBy(firehose));
                assertThat(offered).isLessThan(MOVED_BOUND);
                assertThat(bufferedBytes() - before).isLessThan(MEMORY_BOUND);
                byte[] buf = new byte[64 * 1024];
                long read = 0;
                while (read < 8 * 1024 * 1024) {
                    int n = stalled.getInputStream().read(buf);
                    assertThat(n).isPositive();
                    read += n;
                }
            }
        }
    }

    @Test
    void applianceWideStreamCap_refusesBeyondIt_withACountedError() throws Exception {
        start("max-streams", "2");
        try (var echo = StreamFixtures.echo()) {
            device = new StreamDevice(harness.devicePort(), Map.of(22, echo.port()));
            device.connect("dev-4", harness.fleetToken("dev-4"), Capabilities.STREAMS);
            int proxy = harness.appliance.proxyPort();
            try (Socket a = StreamFixtures.socks(proxy, "dev-4", 22, BACKEND, SECRET);
                 Socket b = StreamFixtures.socks(proxy, "dev-4", 22, BACKEND, SECRET)) {
                assertThatThrownBy(() -> StreamFixtures.socks(proxy, "dev-4", 22, BACKEND, SECRET))
                        .isInstanceOfSatisfying(StreamFixtures.SocksFailure.class,
                                f -> assertThat(f.code).isEqualTo(0x01));
                assertThat(harness.counter("cm.streams.refused", "limit", "appliance")).isEqualTo(1);
                a.getOutputStream().write(1);
                assertThat(a.getInputStream().read()).isEqualTo(1);
            }
            await().untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
            try (Socket c = StreamFixtures.socks(proxy, "dev-4", 22, BACKEND, SECRET)) {
                c.getOutputStream().write(2);
                assertThat(c.getInputStream().read()).isEqualTo(2);
            }
        }
    }

    private static void discard(Socket s) {
        try {
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the stream ended
        }
    }

    private static long sentBy(StreamFixtures.Server firehose) {
        return firehose.written.get();
    }

    private static void writeUpTo(Socket s, long total, AtomicLong written) {
        byte[] chunk = new byte[64 * 1024];
        try {
            OutputStream out = s.getOutputStream();
            while (written.get() < total) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        } catch (IOException ignored) {
            // the test closed the socket
        }
    }
}
