package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Data connections (FIG 19/20), connection-initiating devices, and links the device opens. */
class StreamModesTest {
    static final String BODY = "served over a data connection";

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

    StreamDevice device(String id, int capabilities, Map<Integer, Integer> exposed) throws Exception {
        device = new StreamDevice(harness.devicePort(), exposed);
        device.connect(id, harness.fleetToken(id), capabilities);
        return device;
    }

    String curl(String url) throws Exception {
        return StreamFixtures.run("curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + harness.appliance.proxyPort(), "--proxy-user", BACKEND + ":" + SECRET, url).out();
    }

    @Test
    void dataConnection_carriesTheStream_whenTheDeviceAnnouncesIt() throws Exception {
        HttpServer web = StreamFixtures.http(BODY);
        try {
            harness = new ApplianceHarness(dir, "connect-wait", "5s").withBackends(StreamFixtures.backends()).start();
            device("dev-7", Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS,
                    Map.of(8080, web.getAddress().getPort()));

            assertThat(curl("http://dev-7:8080/")).isEqualTo(BODY);
            assertThat(harness.counter("cm.streams.opened", "mode", "data_connection", "result", "ok")).isEqualTo(1);
            await().untilAsserted(() -> assertThat(harness.counter("cm.streams.closed", "mode", "data_connection"))
                    .isEqualTo(1));
            assertThat(device.connected()).isTrue();
        } finally {
            web.stop(0);
        }
    }

    /** With one I/O thread both connections share a loop; with two the back-end's connection moves to the other's. */
    @ParameterizedTest(name = "data-connection-splice {0}, io-threads {1}")
    @CsvSource({"true, 1", "true, 2", "false, 2"})
    void dataConnection_carriesTensOfMegabytesBothWays_andEachHalfClose(String splice, String ioThreads)
            throws Exception {
        long size = 32L << 20;
        // The device's service: reads to the back-end's FIN while it sends its own bytes, then half-closes too.
        try (var service = new StreamFixtures.Server(s -> {
            var sent = java.util.concurrent.CompletableFuture.supplyAsync(() -> send(s, size, 2),
                    r -> Thread.ofVirtual().start(r));
            long[] got = receive(s);
            serviceSaw.complete(new long[]{got[0], got[1], sent.join()});
        })) {
            harness = new ApplianceHarness(dir, "connect-wait", "5s", "data-connection-splice", splice,
                    "io-threads", ioThreads)
                    .withBackends(StreamFixtures.backends()).start();
            device("dev-8", Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS, Map.of(9000, service.port()));

            try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-8", 9000, BACKEND, SECRET)) {
                s.setSoTimeout(30_000);
                var sent = java.util.concurrent.CompletableFuture.supplyAsync(() -> send(s, size, 1),
                        r -> Thread.ofVirtual().start(r));
                long[] got = receive(s);
                long[] atService = serviceSaw.get(30, TimeUnit.SECONDS);

                assertThat(got[0]).as("bytes from the service").isEqualTo(size);
                assertThat(got[1]).as("their checksum").isEqualTo(atService[2]);
                assertThat(atService[0]).as("bytes from the back-end").isEqualTo(size);
                assertThat(atService[1]).as("their checksum").isEqualTo(sent.get(30, TimeUnit.SECONDS));
            }
            assertThat(harness.counter("cm.stream.data.connection.relays", "method",
                    Boolean.parseBoolean(splice) ? "splice" : "copy")).isEqualTo(1);
            await().untilAsserted(() -> assertThat(harness.counter("cm.streams.closed", "mode", "data_connection"))
                    .isEqualTo(1));
        }
    }

    final java.util.concurrent.CompletableFuture<long[]> serviceSaw = new java.util.concurrent.CompletableFuture<>();

    /** Writes {@code size} pseudo-random bytes of {@code seed}, then half-closes; returns their CRC32. */
    static long send(Socket s, long size, long seed) {
        try {
            java.util.Random r = new java.util.Random(seed);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            byte[] chunk = new byte[64 * 1024];
            for (long left = size; left > 0; left -= chunk.length) {
                r.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                crc.update(chunk, 0, n);
                s.getOutputStream().write(chunk, 0, n);
            }
            s.shutdownOutput();
            return crc.getValue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads to the end of stream: {bytes, CRC32}. */
    static long[] receive(Socket s) {
        try {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = s.getInputStream().read(buf)) >= 0) {
                crc.update(buf, 0, n);
                total += n;
            }
            return new long[]{total, crc.getValue()};
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void connectRequest_letsTheDevicesApplicationDialIn() throws Exception {
        HttpServer web = StreamFixtures.http(BODY);
        try {
            harness = new ApplianceHarness(dir, "connect-wait", "5s").withBackends(StreamFixtures.backends()).start();
            int local = web.getAddress().getPort();
            device("meter-1", Capabilities.CONNECT_REQUESTS, Map.of(8080, local));
            // The "application": dials in with the token of each CONNECT_REQUEST.
            Thread.ofVirtual().start(() -> {
                try {
                    await().atMost(20, TimeUnit.SECONDS).until(() -> !device.connectRequests.isEmpty());
                    var request = device.connectRequests.getFirst();
                    var app = new io.netty.bootstrap.Bootstrap()
                            .group(new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                                    io.netty.channel.nio.NioIoHandler.newFactory()))
                            .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                            .option(io.netty.channel.ChannelOption.AUTO_READ, false)
                            .option(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
                            .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                            .connect("127.0.0.1", local).sync().channel();
                    device.attach(request.token(), app);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            assertThat(curl("http://meter-1:8080/")).isEqualTo(BODY);
            assertThat(device.connectRequests.getFirst().origin()).isEqualTo(BACKEND);
            assertThat(harness.counter("cm.streams.opened", "mode", "connect_request", "result", "ok")).isEqualTo(1);
        } finally {
            web.stop(0);
        }
    }

    @Test
    void attach_withUnknownToken_isRejectedAndCounted() throws Exception {
        harness = new ApplianceHarness(dir).withBackends(StreamFixtures.backends()).start();
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(new StreamAttach("not-a-real-token".getBytes(StandardCharsets.US_ASCII)));
            assertThat(d.read()).isInstanceOfSatisfying(Reject.class,
                    r -> assertThat(r.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
            assertThat(d.closedByPeer()).isTrue();
        }
        assertThat(harness.counter("cm.stream.attach.failures")).isEqualTo(1);
    }

    @Test
    void deviceLink_reachesAConfiguredService_andEndsWithoutTheDevice() throws Exception {
        try (var echo = StreamFixtures.echo()) {
            int down = StreamProxyTest.freePort();
            harness = new ApplianceHarness(dir, "services",
                    "telemetry=127.0.0.1:" + echo.port() + ",down=127.0.0.1:" + down).start();
            device("dev-9", Capabilities.DEVICE_LINKS, Map.of());

            StreamDevice.Local sink = device.new Local();
            StreamOpenResult ok = device.openLink("telemetry", sink).get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(StreamStatus.OK);
            sink.write("reading 42".getBytes(StandardCharsets.UTF_8));
            await().until(() -> sink.text().equals("reading 42"));

            // The device ends the link: the service's connection goes, the device's stays.
            device.send(new StreamReset(sink.id, StreamStatus.CANCELLED));
            await().until(() -> echo.accepted.size() == 1 && echo.accepted.getFirst().isClosed()
                    || harness.appliance.streams().metrics().active() == 0);
            await().until(() -> harness.appliance.streams().metrics().active() == 0);
            assertThat(device.connected()).isTrue();

            assertThat(device.openLink("nope", device.new Local()).get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(StreamStatus.UNKNOWN_SERVICE);
            assertThat(device.openLink("down", device.new Local()).get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(StreamStatus.REFUSED);
            assertThat(device.connected()).isTrue();
        }
    }

    @Test
    void deviceLink_withoutTheCapability_isAProtocolViolation() throws Exception {
        harness = new ApplianceHarness(dir, "services", "telemetry=127.0.0.1:9").start();
        device("dev-9", Capabilities.STREAMS, Map.of());
        device.openLink("telemetry", device.new Local());
        await().until(() -> !device.connected());
        assertThat(harness.counter("cm.frames.rejected", "reason", ReasonCode.UNEXPECTED_FRAME.tag())).isEqualTo(1);
    }

    @Test
    void malformedSocksAndHttp_getTheirProtocolsErrors() throws Exception {
        harness = new ApplianceHarness(dir).withBackends(StreamFixtures.backends()).start();
        int port = harness.appliance.proxyPort();
        // SOCKS5 without username/password among the methods
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[]{5, 1, 0});
            assertThat(s.getInputStream().readAllBytes()).containsExactly(5, 0xFF);
        }
        // SOCKS5 CONNECT to an IPv6 address
        try (Socket s = StreamFixtures.socksAuthenticated(port)) {
            byte[] req = new byte[4 + 16 + 2];
            req[0] = 5;
            req[1] = 1;
            req[3] = 4;
            s.getOutputStream().write(req);
            byte[] reply = s.getInputStream().readAllBytes();
            assertThat(reply[1]).isEqualTo((byte) 0x08);
        }
        // not HTTP at all
        assertThat(raw(port, "\u0001\u0002garbage\r\n\r\n")).startsWith("HTTP/1.1 400 ").contains("\"error\":");
        // a GET instead of CONNECT
        assertThat(raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 405 ");
        // oversized headers
        assertThat(raw(port, "CONNECT dev-1:80 HTTP/1.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431 ");
        assertThat(harness.counter("cm.proxy.requests", "protocol", "http", "outcome", "malformed")).isEqualTo(2);
        assertThat(harness.counter("cm.proxy.requests", "protocol", "socks5", "outcome", "auth_method"))
                .isEqualTo(1);
    }

    private static String raw(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.net.SocketException e) {
            return "reset: " + e.getMessage();
        }
    }
}
