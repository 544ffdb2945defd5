package io.connmgr.appliance.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real HAProxy in front of the appliance's listeners, sending PROXY protocol v1 and v2 headers: the appliance sees
 * the client behind the balancer (in the admin API's device view, in the proxy's trusted-source check, in the control
 * channel's log), takes the balancer's LOCAL health checks, and refuses a trusted balancer that sends no header. The
 * balancer connects from {@link Haproxy#SOURCE}, the only address trusted; clients connect from addresses of their own.
 */
class ProxyProtocolHaproxyTest {
    static final String CLIENT = "127.0.0.5";
    static final String OTHER_CLIENT = "127.0.0.6";

    @TempDir
    Path dir;
    ApplianceHarness harness;
    Haproxy haproxy;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void haproxyInstalled() {
        Haproxy.binary(); // fails, naming the install script, when the package is missing
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    ApplianceHarness appliance(String... flags) throws InterruptedException {
        List<String> all = new ArrayList<>(List.of("proxy-protocol-trusted", Haproxy.SOURCE + "/32",
                "handshake-timeout", "2s"));
        all.addAll(List.of(flags));
        harness = new ApplianceHarness(dir, all.toArray(String[]::new)).withBackends(StreamFixtures.backends());
        return harness.start();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"send-proxy | v1", "send-proxy-v2 | v2",
            "send-proxy-v2 proxy-v2-options crc32c,unique-id | v2"})
    void device_behindHaproxy_isShownWithTheClientsAddress(String sendProxy, String version) throws Exception {
        appliance();
        haproxy = Haproxy.start(dir, new Haproxy.Route("device", harness.devicePort(), sendProxy));
        TestDevice device = new TestDevice(new InetSocketAddress(CLIENT, 0), haproxy.front("device"));
        closeables.add(device);

        device.connect("dev-1", harness.fleetToken("dev-1"));

        var view = harness.admin("GET", "/v1/devices/dev-1", null);
        assertThat(view.statusCode()).isEqualTo(200);
        assertThat(view.body()).contains("\"remote_address\":\"" + CLIENT + ":" + device.localPort() + "\"");
        assertThat(harness.counter("cm.proxyprotocol.accepted", "listener", "device", "version", version,
                "address", "client")).isEqualTo(1);
        assertThat(harness.total("cm.proxyprotocol.refused")).isZero();
    }

    @Test
    void device_haproxyHealthChecks_sendLocal_andKeepTheBalancersAddress() throws Exception {
        appliance();
        haproxy = Haproxy.start(dir, new Haproxy.Route("device", harness.devicePort(),
                "send-proxy-v2 check check-send-proxy inter 200ms"));

        await().atMost(Duration.ofSeconds(15)).until(() -> harness.counter("cm.proxyprotocol.accepted",
                "listener", "device", "version", "v2", "address", "socket") >= 2);
        assertThat(harness.counter("cm.proxyprotocol.accepted", "listener", "device", "version", "v2",
                "address", "client")).isZero();
        assertThat(harness.total("cm.proxyprotocol.refused")).isZero();
    }

    @Test
    void device_trustedBalancerSendingNoHeader_isClosedAndCounted_neverWelcomed() throws Exception {
        appliance();
        haproxy = Haproxy.start(dir, new Haproxy.Route("device", harness.devicePort(), ""));
        TestDevice device = new TestDevice(new InetSocketAddress(CLIENT, 0), haproxy.front("device"));
        closeables.add(device);

        device.send(TestDevice.hello("dev-1", harness.fleetToken("dev-1")));

        assertThat(framesUntilClosed(device)).noneMatch(Welcome.class::isInstance);
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.total("cm.proxyprotocol.refused") == 1);
    }

    @Test
    void device_untrustedPeerSendingAProxyLine_getsAProtocolError_andClaimsNothing() throws Exception {
        appliance();
        TestDevice device = new TestDevice(new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", harness.devicePort()));
        closeables.add(device);

        device.sendRaw("PROXY TCP4 203.0.113.9 127.0.0.1 4000 7700\r\n".getBytes(StandardCharsets.US_ASCII));
        device.send(TestDevice.hello("dev-1", harness.fleetToken("dev-1")));

        assertThat(framesUntilClosed(device)).first().isInstanceOf(Reject.class);
        assertThat(harness.total("cm.proxyprotocol.accepted") + harness.total("cm.proxyprotocol.refused")).isZero();
        assertThat(harness.admin("GET", "/v1/devices/dev-1", null).body()).doesNotContain("203.0.113.9");
    }

    @Test
    void proxy_trustedSourceCheck_goesByTheClientBehindTheBalancer() throws Exception {
        StreamFixtures.assumeInstalled("curl");
        HttpServer web = StreamFixtures.http("hello from the device side");
        closeables.add(() -> web.stop(0));
        // Only the client at CLIENT may skip credentials; the balancer itself is not trusted as a source.
        appliance("proxy-trusted-sources", CLIENT + "/32", "connect-wait", "2s");
        StreamDevice device = new StreamDevice(harness.devicePort(), Map.of(8080, web.getAddress().getPort()));
        closeables.add(device::close);
        device.connect("dev-42", harness.fleetToken("dev-42"), Capabilities.CM_COMMANDS | Capabilities.STREAMS);
        haproxy = Haproxy.start(dir, new Haproxy.Route("proxy", harness.appliance.proxyPort(), "send-proxy-v2"));
        String proxy = "http://" + Haproxy.FRONT_HOST + ":" + haproxy.front("proxy").getPort();

        var trusted = StreamFixtures.run("curl", "-sS", "--max-time", "20", "--interface", CLIENT, "-p", "-x", proxy,
                "http://dev-42:8080/");
        var other = StreamFixtures.run("curl", "-s", "--max-time", "20", "--interface", OTHER_CLIENT, "-p", "-x",
                proxy, "-o", "/dev/null", "-w", "%{http_connect}", "http://dev-42:8080/");

        assertThat(trusted.out()).isEqualTo("hello from the device side");
        assertThat(other.out()).isEqualTo("407");
        assertThat(harness.counter("cm.proxyprotocol.accepted", "listener", "proxy", "version", "v2",
                "address", "client")).isEqualTo(2);
    }

    @Test
    void control_backendBehindHaproxy_isWelcomed_andLoggedWithItsOwnAddress() throws Exception {
        Logger handshakes = (Logger) LoggerFactory.getLogger("io.connmgr.appliance.control.ControlHandshakeHandler");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Level level = handshakes.getLevel();
        handshakes.setLevel(Level.INFO);
        handshakes.addAppender(logged);
        closeables.add(() -> {
            handshakes.detachAppender(logged);
            handshakes.setLevel(level);
        });
        appliance();
        haproxy = Haproxy.start(dir, new Haproxy.Route("control", harness.appliance.controlPort(), "send-proxy"));
        BackendClient backend = BackendClient.builder().host(Haproxy.FRONT_HOST)
                .port(haproxy.front("control").getPort()).credentials(StreamFixtures.BACKEND, StreamFixtures.SECRET)
                .build();
        closeables.add(backend::close);

        backend.connect().get(10, TimeUnit.SECONDS);

        assertThat(harness.counter("cm.proxyprotocol.accepted", "listener", "control", "version", "v1",
                "address", "client")).isEqualTo(1);
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("'" + StreamFixtures.BACKEND + "'")
                        .contains("from /127.0.0.1:")
                        .doesNotContain(Haproxy.SOURCE));
    }

    /** Every frame the appliance sends until it closes the connection (bounded by the socket's read timeout). */
    private static List<Frame> framesUntilClosed(TestDevice device) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            try {
                frames.add(device.read());
            } catch (IOException closed) {
                return frames;
            }
        }
        return frames;
    }
}
