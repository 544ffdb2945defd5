package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.ReachabilityRecord;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Auto-determination end to end (docs/protocol.md section 6.11): devices announce a direct address in HELLO, the
 * proxy dials it before the device link, and a device whose address keeps failing is marked persistent_required and
 * told to stay connected at its next connection. Real appliance, real sockets on loopback, curl and the JDK's SOCKS
 * client, and the agent as its own process.
 */
class AutoDeterminationTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;
    final List<AutoCloseable> closeLast = new ArrayList<>();
    Process agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
            agent.destroyForcibly();
        }
        if (harness != null) {
            harness.close();
        }
        for (AutoCloseable c : closeLast) {
            c.close();
        }
    }

    void startAppliance(String... flags) throws Exception {
        List<String> all = new ArrayList<>(List.of("proxy-trusted-sources", "127.0.0.0/8",
                "direct-connect-timeout", "500ms", "connect-wait", "5s"));
        all.addAll(List.of(flags));
        harness = new ApplianceHarness(dir, all.toArray(String[]::new)).start();
    }

    /** An HTTP server on loopback answering every request with {@code body}; counts the requests. */
    HttpServer web(String body, AtomicInteger hits) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", ex -> {
            hits.incrementAndGet();
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        closeLast.add(() -> server.stop(0));
        return server;
    }

    String directAttempt(String deviceId, String backendToken, boolean success) throws Exception {
        var r = harness.call("POST", "/v1/devices/" + deviceId + "/direct-attempts", backendToken,
                ("{\"success\":" + success + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void reachableDirectAddress_curlThroughTheProxyGoesThere_notThroughTheDeviceLink_andTheFailureCountResets()
            throws Exception {
        startAppliance();
        String backend = harness.backendToken("billing");
        AtomicInteger directHits = new AtomicInteger();
        AtomicInteger linkHits = new AtomicInteger();
        HttpServer direct = web("served directly", directHits);
        HttpServer behindLink = web("served through the device link", linkHits);
        int port = direct.getAddress().getPort();
        // The device exposes the same port through its link, to another server: the body tells which way it went.
        DeviceClient device = DeviceClient.builder()
                .appliance("127.0.0.1", harness.devicePort()).deviceId("dev-a").token(harness.fleetToken("dev-a"))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .onDemand(Duration.ofMinutes(5), Duration.ofMinutes(5))
                .directAddress("127.0.0.1")
                .expose(new Exposure(port, "127.0.0.1", behindLink.getAddress().getPort()))
                .build().start();
        closeLast.addFirst(device);
        await().atMost(Duration.ofSeconds(10)).until(() -> device.state() == ConnectionState.CONNECTED);
        assertThat(harness.appliance.store().loadReachability("dev-a")).get()
                .extracting(ReachabilityRecord::onDemand, ReachabilityRecord::directAddress)
                .containsExactly(true, "127.0.0.1");
        assertThat(directAttempt("dev-a", backend, false)).contains("\"consecutive_failures\":1");
        assertThat(directAttempt("dev-a", backend, false)).contains("\"consecutive_failures\":2");

        var curl = StreamFixtures.run("curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + harness.appliance.proxyPort(), "http://dev-a:" + port + "/");

        assertThat(curl.exit()).as("curl exit status").isZero();
        assertThat(curl.out()).isEqualTo("served directly");
        assertThat(directHits).hasValue(1);
        assertThat(linkHits).hasValue(0);
        assertThat(harness.counter("cm.direct.attempts")).isEqualTo(1);
        assertThat(harness.counter("cm.direct.successes")).isEqualTo(1);
        assertThat(harness.counter("cm.streams.opened", "mode", "direct", "result", "ok")).isEqualTo(1);
        assertThat(harness.counter("cm.streams.opened", "mode", "multiplexed", "result", "ok")).isZero();
        // The direct success reset the count the two reported failures had built up.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> directAttempt("dev-a", backend, false).contains("\"consecutive_failures\":1"));
        assertThat(harness.appliance.store().loadSettings("dev-a")
                .map(s -> s.persistentRequired()).orElse(null)).isNotEqualTo(Boolean.TRUE);

        // A back-end with credentials goes the same way.
        try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-a", port, "billing", backend)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .endsWith("served directly");
        }
        assertThat(linkHits).hasValue(0);

        // Marked persistent_required (here by hand): the proxy no longer dials the address, the link carries it.
        assertThat(harness.call("PUT", "/v1/devices/dev-a/settings", backend,
                "{\"persistent_required\":true}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        var viaLink = StreamFixtures.run("curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + harness.appliance.proxyPort(), "http://dev-a:" + port + "/");
        assertThat(viaLink.out()).isEqualTo("served through the device link");
        assertThat(harness.counter("cm.direct.attempts")).isEqualTo(2);
    }

    @Test
    void autoDetermination_reachingItsThreshold_marksTheDevicePersistent_andTheAgentStaysConnectedFromItsNextConnection()
            throws Exception {
        startAppliance("direct-fail-threshold", "3");
        String backend = harness.backendToken("ops");
        StreamFixtures.Server echo = StreamFixtures.echo();
        closeLast.add(echo);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // closed again at once: connecting there is refused
        }
        Path log = dir.resolve("agent.log");
        agent = startAgent(log, "--appliance", "127.0.0.1:" + harness.devicePort(), "--device-id", "dev-b",
                "--token", harness.fleetToken("dev-b"), "--backoff-initial", "100ms", "--backoff-cap", "1s",
                "--on-demand", "--on-demand-quiet", "2s", "--on-demand-interval", "1s",
                "--direct-address", "127.0.0.1:" + closedPort,
                "--expose", closedPort + "=127.0.0.1:" + echo.port(), "--expose", "7=127.0.0.1:" + echo.port());
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("state=CONNECTED"));
        assertThat(Files.readString(log)).doesNotContain("stay_connected=true");
        assertThat(harness.tierOf("dev-b")).isEqualTo(Tier.ACTIVE);

        // A HOST:PORT address stands for that port only: a request for another port is not dialled there.
        try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-b", 7, "ops", backend)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("port 7".getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("port 7");
        }
        assertThat(harness.counter("cm.direct.attempts")).isZero();

        // Each request: the direct address refuses, the failure is counted, the device link carries the request.
        for (int i = 1; i <= 3; i++) {
            try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-b", closedPort, "ops", backend)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("request " + i).getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("request " + i);
            }
        }
        assertThat(harness.counter("cm.direct.attempts")).isEqualTo(3);
        assertThat(harness.counter("cm.direct.failures", "reason", "refused")).isEqualTo(3);
        assertThat(harness.counter("cm.direct.successes")).isZero();
        assertThat(harness.counter("cm.direct.persistent.required")).isEqualTo(1);
        assertThat(harness.appliance.store().loadSettings("dev-b").orElseThrow().persistentRequired()).isTrue();

        // Nothing is sent on the live link: the agent goes quiet as usual, and its next connection is told to stay.
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("stay_connected=true"));
        String output = Files.readString(log);
        assertThat(output).contains("state=DORMANT", "cause=ON_DEMAND_QUIET")
                .contains("asks device dev-b to stay connected");
        assertThat(output.indexOf("state=DORMANT")).isLessThan(output.indexOf("stay_connected=true"));
        // It stays: well past its quiet period, it is still connected on the same link.
        int dormantBefore = count(Files.readString(log), "state=DORMANT");
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> harness.tierOf("dev-b") != Tier.DISCONNECTED);
        assertThat(count(Files.readString(log), "state=DORMANT")).isEqualTo(dormantBefore);
        assertThat(agent.isAlive()).isTrue();

        // persistent_required: the proxy no longer tries the direct address.
        try (Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-b", closedPort, "ops", backend)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("after".getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("after");
        }
        assertThat(harness.counter("cm.direct.attempts")).isEqualTo(3);
    }

    @Test
    void welcome_saysStayConnectedExactlyWhilePersistentRequired_andTheStoreFollowsTheLatestHello() throws Exception {
        startAppliance();
        String backend = harness.backendToken("ops");
        String token = harness.fleetToken("dev-c");
        Hello onDemand = new Hello(Wire.PROTOCOL_VERSION, 0, 0, "dev-c", token.getBytes(StandardCharsets.UTF_8),
                null, true, DirectAddress.parse("[::1]:8443"));

        assertThat(welcomeFor(onDemand).stayConnected()).isFalse();
        assertThat(harness.appliance.store().loadReachability("dev-c")).get()
                .extracting(ReachabilityRecord::onDemand, ReachabilityRecord::directAddress)
                .containsExactly(true, "[::1]:8443");

        try (TestDevice connected = new TestDevice(harness.devicePort())) {
            connected.connect("dev-c", token);
            // Set while the device is connected: it hears of it only at its next connection.
            assertThat(harness.call("PUT", "/v1/devices/dev-c/settings", backend,
                    "{\"persistent_required\":true}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
            connected.send(Ping.INSTANCE);
            assertThat(connected.read()).isEqualTo(Pong.INSTANCE);
        }
        assertThat(welcomeFor(onDemand).stayConnected()).isTrue();

        assertThat(harness.call("PUT", "/v1/devices/dev-c/settings", backend,
                "{\"persistent_required\":false}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        // A HELLO announcing nothing any more removes what was stored.
        assertThat(welcomeFor(TestDevice.hello("dev-c", token)).stayConnected()).isFalse();
        assertThat(harness.appliance.store().loadReachability("dev-c")).isEmpty();
    }

    private Welcome welcomeFor(Hello hello) throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(hello);
            return (Welcome) d.read();
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    /** {@code cm agent} as bin/cm runs it: client-agent's classes and its copied dependencies. */
    private static Process startAgent(Path log, String... args) throws IOException {
        Path module = Path.of("..", "client-agent").toAbsolutePath().normalize();
        Path classes = module.resolve("target/classes");
        Path lib = module.resolve("target/lib");
        assertThat(classes).as("client-agent must be built (mvn verify -pl client-agent,appliance -am)").isDirectory();
        assertThat(lib).as("client-agent's dependencies (target/lib, copied at package)").isDirectory();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", classes + ":" + lib + "/*", "io.connmgr.agent.AgentMain"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
