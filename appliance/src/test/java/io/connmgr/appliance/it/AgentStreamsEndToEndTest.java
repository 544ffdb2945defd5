package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.stream.DataConnection;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.protocol.message.StreamMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real client agent library and the real appliance, reached by programs nobody here wrote: curl through both
 * proxy protocols, netcat with a half-close, in both stream modes; plus a device-initiated link and a
 * connection-initiating device.
 */
class AgentStreamsEndToEndTest {
    static final String BODY = "served on the device's side";

    @TempDir
    Path dir;
    ApplianceHarness harness;
    HttpServer web;
    StreamFixtures.Server echo;
    DeviceClient client;

    @BeforeEach
    void start() throws Exception {
        web = StreamFixtures.http(BODY);
        echo = StreamFixtures.echo();
        harness = new ApplianceHarness(dir, "proxy-trusted-sources", "127.0.0.0/8", "services",
                "telemetry=127.0.0.1:" + echo.port()).withBackends(StreamFixtures.backends()).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        harness.close();
        web.stop(0);
        echo.close();
    }

    DeviceClient agent(UnaryOperator<DeviceClient.Builder> options) {
        DeviceClient.Builder b = DeviceClient.builder()
                .appliance("127.0.0.1", harness.devicePort())
                .deviceId("dev-42")
                .token(harness.fleetToken("dev-42"))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .expose(new Exposure(8080, "127.0.0.1", web.getAddress().getPort()))
                .expose(new Exposure(22, "127.0.0.1", echo.port()));
        client = options.apply(b).build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ConnectionState.CONNECTED);
        return client;
    }

    String curl(String... proxyArgs) throws Exception {
        String[] command = new String[proxyArgs.length + 5];
        command[0] = "curl";
        command[1] = "-sS";
        command[2] = "--max-time";
        command[3] = "20";
        System.arraycopy(proxyArgs, 0, command, 4, proxyArgs.length);
        command[command.length - 1] = "http://dev-42:8080/";
        var r = StreamFixtures.run(command);
        assertThat(r.exit()).as("curl exit status").isZero();
        return r.out();
    }

    int proxy() {
        return harness.appliance.proxyPort();
    }

    @Test
    void curl_bothProxyProtocols_reachTheAgentsExposedService_multiplexed() throws Exception {
        agent(b -> b);

        assertThat(curl("--socks5-hostname", "127.0.0.1:" + proxy(), "--proxy-user",
                StreamFixtures.BACKEND + ":" + StreamFixtures.SECRET)).isEqualTo(BODY);
        assertThat(curl("-p", "-x", "http://127.0.0.1:" + proxy())).isEqualTo(BODY);
        assertThat(harness.counter("cm.streams.opened", "mode", "multiplexed", "result", "ok")).isEqualTo(2);
    }

    @Test
    void curl_reachesTheAgent_inDataConnectionMode() throws Exception {
        agent(b -> b.streamMode(StreamMode.DATA_CONNECTION));

        assertThat(curl("--socks5-hostname", "127.0.0.1:" + proxy())).isEqualTo(BODY);
        assertThat(harness.counter("cm.streams.opened", "mode", "data_connection", "result", "ok")).isEqualTo(1);
    }

    @Test
    void netcat_halfClose_travelsThroughTheAgent_andTheEchoComesBack_inBothModes() throws Exception {
        StreamFixtures.assumeInstalled("nc");
        for (StreamMode mode : StreamMode.values()) {
            if (client != null) {
                client.close();
                await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-42") == Tier.DISCONNECTED);
            }
            agent(b -> b.streamMode(mode));
            // -N: nc shuts down its sending side at the end of its input; the echo answers only after that FIN.
            var r = StreamFixtures.run("sh", "-c", "printf 'half-closed " + mode + "' | nc -N -w 10 -X 5 -x 127.0.0.1:"
                    + proxy() + " dev-42 22");

            assertThat(r.out()).as(mode.name()).isEqualTo("half-closed " + mode);
        }
    }

    @Test
    void bulkUpload_thenTheServicesAnswerAndClose_arriveWhole_inBothModes() throws Exception {
        long size = 8L << 20;
        try (var counter = new StreamFixtures.Server(s -> {
            try {
                long total = s.getInputStream().transferTo(OutputStream.nullOutputStream());
                s.getOutputStream().write(Long.toString(total).getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            for (StreamMode mode : StreamMode.values()) {
                if (client != null) {
                    client.close();
                    await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-42") == Tier.DISCONNECTED);
                }
                agent(b -> b.streamMode(mode).expose(new Exposure(9000, "127.0.0.1", counter.port())));
                try (Socket s = StreamFixtures.socks(proxy(), "dev-42", 9000, StreamFixtures.BACKEND,
                        StreamFixtures.SECRET)) {
                    s.setSoTimeout(20_000);
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        s.getOutputStream().write(chunk);
                    }
                    s.shutdownOutput();
                    // The service answers, then closes its socket entirely: the answer must not be lost to the close.
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .as(mode.name()).isEqualTo(Long.toString(size));
                }
            }
        }
    }

    @Test
    void aLargeAnswerAfterTheBackendsFin_arrivesWhole_inBothModes() throws Exception {
        long size = 24L << 20;
        java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        try (var answering = new StreamFixtures.Server(s -> {
            try {
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
                send(new java.io.FilterOutputStream(s.getOutputStream()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        answered.addAndGet(len);
                    }
                }, size, 11);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            for (StreamMode mode : StreamMode.values()) {
                if (client != null) {
                    client.close();
                    await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-42") == Tier.DISCONNECTED);
                }
                agent(b -> b.streamMode(mode).expose(new Exposure(9001, "127.0.0.1", answering.port())));
                answered.set(0);
                try (Socket s = StreamFixtures.socks(proxy(), "dev-42", 9001, StreamFixtures.BACKEND,
                        StreamFixtures.SECRET)) {
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    // Not reading until the answer is well under way: the relays' half-closed sockets fill up and
                    // must wait to be writable.
                    await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= 2L << 20);
                    var expected = new java.util.zip.CRC32();
                    send(OutputStream.nullOutputStream(), size, 11, expected);
                    var got = new java.util.zip.CRC32();
                    long total = 0;
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = s.getInputStream().read(buf)) >= 0) {
                        got.update(buf, 0, n);
                        total += n;
                    }
                    assertThat(total).as(mode.name()).isEqualTo(size);
                    assertThat(got.getValue()).as(mode.name()).isEqualTo(expected.getValue());
                }
            }
        }
    }

    @Test
    void aServiceThatSpeaksFirstAndClosesAtOnce_isHeardWhole_inBothModes() throws Exception {
        long size = 16 * 1024;
        // Its answer and its FIN reach the agent's socket before the stream (or the data connection) is there to
        // take them.
        try (var banner = new StreamFixtures.Server(s -> {
            try {
                send(s.getOutputStream(), size, 12);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            for (StreamMode mode : StreamMode.values()) {
                if (client != null) {
                    client.close();
                    await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-42") == Tier.DISCONNECTED);
                }
                agent(b -> b.streamMode(mode).expose(new Exposure(9002, "127.0.0.1", banner.port())));
                try (Socket s = StreamFixtures.socks(proxy(), "dev-42", 9002, StreamFixtures.BACKEND,
                        StreamFixtures.SECRET)) {
                    s.setSoTimeout(20_000);
                    var expected = new java.util.zip.CRC32();
                    send(OutputStream.nullOutputStream(), size, 12, expected);
                    var got = new java.util.zip.CRC32();
                    byte[] all = s.getInputStream().readAllBytes();
                    got.update(all);
                    assertThat(all.length).as(mode.name()).isEqualTo(size);
                    assertThat(got.getValue()).as(mode.name()).isEqualTo(expected.getValue());
                }
            }
        }
    }

    /** Writes {@code size} pseudo-random bytes of {@code seed}. */
    static void send(OutputStream out, long size, long seed) throws IOException {
        send(out, size, seed, new java.util.zip.CRC32());
    }

    static void send(OutputStream out, long size, long seed, java.util.zip.CRC32 crc) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        byte[] chunk = new byte[64 * 1024];
        for (long left = size; left > 0; left -= chunk.length) {
            r.nextBytes(chunk);
            int len = (int) Math.min(chunk.length, left);
            crc.update(chunk, 0, len);
            out.write(chunk, 0, len);
        }
    }

    @Test
    void backToBackStreams_eachReachesTheDevice_whileTheLastOnePutItToSleep() throws Exception {
        agent(b -> b);
        // Each stream's end demotes the device (server activity); the next request may find its socket on the way
        // into the sleep table and must wake it from there, not take it for gone. (That window is narrow in one
        // process: this guards the sequence, cm loadtest relay exercises the race across processes.)
        for (int i = 0; i < 20; i++) {
            try (Socket s = StreamFixtures.socks(proxy(), "dev-42", 22, StreamFixtures.BACKEND,
                    StreamFixtures.SECRET)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("round " + i).getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("round " + i);
            }
        }
        assertThat(harness.counter("cm.streams.opened", "mode", "multiplexed", "result", "ok")).isEqualTo(20);
    }

    @Test
    void sleepingAgent_isWokenByAProxyRequest() throws Exception {
        agent(b -> b);
        assertThat(harness.appliance.manager().requestTier("dev-42", Tier.SLEEP, TierCause.ADMIN)
                .get(10, TimeUnit.SECONDS).name()).isEqualTo("ACCEPTED");
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-42") == Tier.SLEEP);

        assertThat(curl("-p", "-x", "http://127.0.0.1:" + proxy())).isEqualTo(BODY);
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void deviceInitiatedLink_reachesTheNamedBackendService_andTheDeviceConnectionStays() throws Exception {
        agent(b -> b.link(new LocalLink("127.0.0.1", 0, "telemetry")));
        InetSocketAddress local = client.linkAddresses().getFirst();

        for (int i = 0; i < 2; i++) {
            try (Socket s = new Socket(local.getAddress(), local.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("reading " + i).getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("reading " + i);
            }
        }
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(harness.counter("cm.streams.opened", "mode", "device_link", "result", "ok")).isEqualTo(2);
    }

    @Test
    void connectionInitiatingDevice_dialsInItself_andTheBackendGetsItsBytes() throws Exception {
        agent(b -> b.connectRequestHandler(request -> CompletableFuture.runAsync(() -> {
            // The device's own application: it dials the appliance with the token and serves the request itself.
            try {
                Socket s = DataConnection.attach(request.applianceHost(), request.appliancePort(), request.token());
                Thread.ofVirtual().start(() -> serveOnce(s));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })));

        try (Socket s = StreamFixtures.socks(proxy(), "dev-42", 22, StreamFixtures.BACKEND, StreamFixtures.SECRET)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("answer to question");
        }
        assertThat(harness.counter("cm.streams.opened", "mode", "connect_request", "result", "ok")).isEqualTo(1);
    }

    @Test
    void dataConnection_withATokenNobodyIssued_isRefused_andTheApplicationIsToldWhy() {
        byte[] forged = new byte[16];

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DataConnection.attach("127.0.0.1", harness.devicePort(),
                        forged).close())
                .isInstanceOf(IOException.class).hasMessageContaining("BAD_CREDENTIALS");
        assertThat(harness.counter("cm.stream.attach.failures")).isEqualTo(1);
    }

    private static void serveOnce(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] question = in.readAllBytes();
            out.write(("answer to " + new String(question, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
        } catch (IOException ignored) {
            // the back-end went away; nothing to answer
        }
    }
}
