package io.connmgr.appliance.it;

import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Per-stream windows: a slow reader stops only its own stream; violations and limits. */
class StreamFlowControlTest {
    static final int WINDOW = 64 * 1024;

    @TempDir
    Path dir;
    ApplianceHarness harness;
    StreamDevice device;

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        harness.close();
    }

    void start(String... flags) throws Exception {
        harness = new ApplianceHarness(dir, flags).withBackends(StreamFixtures.backends()).start();
    }

    @Test
    void slowReader_stallsOnlyItsOwnStream_andStaysBounded() throws Exception {
        start("stream-window", "64KiB");
        try (var big = StreamFixtures.firehose(256 * 1024 * 1024); var small = StreamFixtures.firehose(2 * 1024 * 1024)) {
            device = new StreamDevice(harness.devicePort(), Map.of(5000, big.port(), 5001, small.port()));
            device.connect("dev-42", harness.fleetToken("dev-42"), Capabilities.STREAMS);

            Socket slow = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-42", 5000, BACKEND, SECRET);
            List<CompletableFuture<Long>> readers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                readers.add(CompletableFuture.supplyAsync(() -> {
                    try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-42", 5001, BACKEND,
                            SECRET)) {
                        return s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            for (var r : readers) {
                assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(2 * 1024 * 1024);
            }
            // The slow stream (id 1) moved at most its window plus what the kernel buffers of the back-end socket
            // absorb; it is stalled, not finished, and the others went through meanwhile.
            long slowSent = device.sent.get(1).get();
            assertThat(slowSent).isLessThan(64L * 1024 * 1024);
            InputStream in = slow.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long drained = 0;
            while (drained < slowSent + 4 * 1024 * 1024) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                drained += n;
            }
            // Reading again gives the device credit again.
            assertThat(device.sent.get(1).get()).isGreaterThan(slowSent);
            slow.close();
            await().untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
        }
    }

    @Test
    void dataBeyondTheWindow_resetsTheStream_withFlowControlError() throws Exception {
        start("stream-window", "64KiB");
        try (var echo = StreamFixtures.echo()) {
            device = new StreamDevice(harness.devicePort(), Map.of(22, echo.port()));
            device.connect("dev-42", harness.fleetToken("dev-42"), Capabilities.STREAMS);
            try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-42", 22, BACKEND, SECRET)) {
                device.send(new StreamData(1, Unpooled.wrappedBuffer(new byte[WINDOW + 1])));
                await().until(() -> device.received.contains(new StreamReset(1, StreamStatus.FLOW_CONTROL_ERROR)));
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(harness.counter("cm.stream.window.violations")).isEqualTo(1);
            assertThat(device.connected()).isTrue();
        }
    }

    @Test
    void streamLimit_perDevice_isEnforced() throws Exception {
        start("max-streams-per-device", "2");
        try (var echo = StreamFixtures.echo()) {
            device = new StreamDevice(harness.devicePort(), Map.of(22, echo.port()));
            device.connect("dev-42", harness.fleetToken("dev-42"), Capabilities.STREAMS);
            int proxy = harness.appliance.proxyPort();
            try (Socket a = StreamFixtures.socks(proxy, "dev-42", 22, BACKEND, SECRET);
                 Socket b = StreamFixtures.socks(proxy, "dev-42", 22, BACKEND, SECRET)) {
                assertThatThrownBy(() -> StreamFixtures.socks(proxy, "dev-42", 22, BACKEND, SECRET))
                        .isInstanceOfSatisfying(StreamFixtures.SocksFailure.class,
                                f -> assertThat(f.code).isEqualTo(0x01));
                var r = StreamFixtures.run("curl", "-s", "-o", "/dev/null", "-w", "%{http_connect}", "-p", "-x",
                        "http://127.0.0.1:" + proxy, "-U", BACKEND + ":" + SECRET, "http://dev-42:22/");
                assertThat(r.out().trim()).isEqualTo("503");
            }
            // When they end, the device's link stays and new streams open again.
            await().untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
            try (Socket c = StreamFixtures.socks(proxy, "dev-42", 22, BACKEND, SECRET)) {
                c.getOutputStream().write(7);
                assertThat(c.getInputStream().read()).isEqualTo(7);
            }
        }
    }

    @Test
    void deviceLinkEnding_endsItsStreams() throws Exception {
        start();
        try (var echo = StreamFixtures.echo()) {
            device = new StreamDevice(harness.devicePort(), Map.of(22, echo.port()));
            device.connect("dev-42", harness.fleetToken("dev-42"), Capabilities.STREAMS);
            try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-42", 22, BACKEND, SECRET)) {
                s.getOutputStream().write(1);
                assertThat(s.getInputStream().read()).isEqualTo(1);
                device.close();
                device = null;
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            await().untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
        }
    }
}
