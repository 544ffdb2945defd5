package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Welcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Back-ends reach a device's service through the proxy listener, with curl, the JDK and by hand. */
class StreamProxyTest {
    static final String BODY = "hello from the device side";
    static final int STREAMS_ONLY = Capabilities.CM_COMMANDS | Capabilities.STREAMS;

    @TempDir
    Path dir;
    ApplianceHarness harness;
    HttpServer web;
    StreamDevice device;

    @BeforeEach
    void start() throws Exception {
        web = StreamFixtures.http(BODY);
        harness = new ApplianceHarness(dir, "connect-wait", "2s").withBackends(StreamFixtures.backends()).start();
    }

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        harness.close();
        web.stop(0);
    }

    StreamDevice device(String id, int capabilities, Map<Integer, Integer> exposed) throws Exception {
        device = new StreamDevice(harness.devicePort(), exposed);
        Welcome w = device.connect(id, harness.fleetToken(id), capabilities);
        assertThat(w.capabilities() & Capabilities.STREAMS).isNotZero();
        return device;
    }

    int proxy() {
        return harness.appliance.proxyPort();
    }

    @Test
    void curl_socks5Hostname_reachesTheDevicesHttpService() throws Exception {
        device("dev-42", STREAMS_ONLY, Map.of(8080, web.getAddress().getPort()));

        var r = StreamFixtures.run("curl", "-sS", "--max-time", "20", "--socks5-hostname", "127.0.0.1:" + proxy(),
                "--proxy-user", BACKEND + ":" + SECRET, "http://dev-42:8080/");

        assertThat(r.out()).isEqualTo(BODY);
        assertThat(harness.counter("cm.proxy.requests", "protocol", "socks5", "outcome", "ok")).isEqualTo(1);
        assertThat(harness.counter("cm.streams.opened", "mode", "multiplexed", "result", "ok")).isEqualTo(1);
        await().untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
    }

    @Test
    void curl_httpConnect_reachesTheDevicesHttpService_viaTheDevicesSuffix() throws Exception {
        device("dev-42", STREAMS_ONLY, Map.of(8080, web.getAddress().getPort()));

        var r = StreamFixtures.run("curl", "-sS", "--max-time", "20", "-p", "-x", "http://127.0.0.1:" + proxy(),
                "-U", BACKEND + ":" + SECRET, "http://dev-42.devices:8080/");

        assertThat(r.out()).isEqualTo(BODY);
        assertThat(harness.counter("cm.proxy.requests", "protocol", "http", "outcome", "ok")).isEqualTo(1);
    }

    @Test
    void jdkSocksClient_withUnresolvedAddressAndAuthenticator_echoes() throws Exception {
        try (var echo = StreamFixtures.echo()) {
            device("dev-42", STREAMS_ONLY, Map.of(22, echo.port()));
            Authenticator previous = Authenticator.getDefault();
            Authenticator.setDefault(new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(BACKEND, SECRET.toCharArray());
                }
            });
            try (Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", proxy())))) {
                s.connect(InetSocketAddress.createUnresolved("dev-42", 22), 10_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("ping over socks".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("ping over socks");
            } finally {
                Authenticator.setDefault(previous);
            }
        }
    }

    @Test
    void netcat_socks5_fromAnUntrustedSource_isRefusedForWantOfCredentials() throws Exception {
        StreamFixtures.assumeInstalled("nc");
        try (var echo = StreamFixtures.echo()) {
            device("dev-42", STREAMS_ONLY, Map.of(22, echo.port()));
            // netcat-openbsd's SOCKS5 offers no username/password; loopback is not trusted in this harness.
            var r = StreamFixtures.run("sh", "-c", "echo hi | nc -w 5 -X 5 -x 127.0.0.1:" + proxy() + " dev-42 22");
            assertThat(r.exit()).isNotZero();
            assertThat(harness.counter("cm.proxy.requests", "protocol", "socks5", "outcome", "auth_method"))
                    .isEqualTo(1);
        }
    }

    @Test
    void sleepingDevice_isWokenByAStream() throws Exception {
        device("dev-42", STREAMS_ONLY, Map.of(8080, web.getAddress().getPort()));
        org.junit.jupiter.api.Assumptions.assumeTrue(harness.appliance.manager()
                .requestTier("dev-42", Tier.SLEEP, TierCause.ADMIN).get().name().equals("ACCEPTED"),
                "the sleep tier needs epoll");
        await().until(() -> harness.tierOf("dev-42") == Tier.SLEEP);

        var r = StreamFixtures.run("curl", "-sS", "--max-time", "20", "--socks5-hostname", "127.0.0.1:" + proxy(),
                "--proxy-user", BACKEND + ":" + SECRET, "http://dev-42:8080/");

        assertThat(r.out()).isEqualTo(BODY);
        assertThat(harness.counter("cm.wakes", "cause", "server_request")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void offlineDevice_connectingWithinConnectWait_isReached() throws Exception {
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return StreamFixtures.run("curl", "-sS", "--max-time", "20", "-p", "-x",
                        "http://127.0.0.1:" + proxy(), "-U", BACKEND + ":" + SECRET, "http://dev-42:8080/");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await().until(() -> harness.total("cm.proxy.requests") == 0 && harness.appliance.metrics().registry()
                .find("cm.proxy.requests").counters().isEmpty());
        device("dev-42", STREAMS_ONLY, Map.of(8080, web.getAddress().getPort()));
        assertThat(pending.get(30, java.util.concurrent.TimeUnit.SECONDS).out()).isEqualTo(BODY);
    }

    @Test
    void errors_mapToEachProtocolsCodes() throws Exception {
        device("dev-42", STREAMS_ONLY, Map.of(8080, web.getAddress().getPort(), 9, freePort()));

        // unknown device: never provisioned, no session
        assertSocks("ghost", 8080, 0x04);
        assertThat(httpConnectStatus("ghost:8080", BACKEND + ":" + SECRET)).isEqualTo("404");
        // port not exposed
        assertSocks("dev-42", 7, 0x02);
        assertThat(httpConnectStatus("dev-42:7", BACKEND + ":" + SECRET)).isEqualTo("403");
        // the device's local service refuses
        assertSocks("dev-42", 9, 0x05);
        assertThat(httpConnectStatus("dev-42:9", BACKEND + ":" + SECRET)).isEqualTo("502");
        // bad credentials
        assertThatThrownBy(() -> StreamFixtures.socks(proxy(), "dev-42", 8080, BACKEND, "wrong"))
                .isInstanceOfSatisfying(StreamFixtures.SocksFailure.class, f -> {
                    assertThat(f.phase).isEqualTo("auth");
                    assertThat(f.code).isNotZero();
                });
        assertThat(httpConnectStatus("dev-42:8080", BACKEND + ":wrong")).isEqualTo("407");
        // a known device that is offline
        device.close();
        device = null;
        await().until(() -> harness.tierOf("dev-42") == Tier.DISCONNECTED);
        assertSocks("dev-42", 8080, 0x04);
        assertThat(httpConnectStatus("dev-42:8080", BACKEND + ":" + SECRET)).isEqualTo("504");
        assertThat(harness.counter("cm.proxy.requests", "protocol", "http", "outcome", "device_offline"))
                .isEqualTo(1);
    }

    @Test
    void httpError_hasJsonBodyAndProxyAuthenticate() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("CONNECT dev-42:8080 HTTP/1.1\r\nHost: dev-42:8080\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 407 ")
                    .contains("Proxy-Authenticate: Basic realm=\"connmgr\"")
                    .contains("{\"error\":\"proxy_authentication_required\",\"message\":");
        }
    }

    private void assertSocks(String host, int port, int code) {
        assertThatThrownBy(() -> StreamFixtures.socks(proxy(), host, port, BACKEND, SECRET))
                .isInstanceOfSatisfying(StreamFixtures.SocksFailure.class, f -> {
                    assertThat(f.phase).isEqualTo("connect");
                    assertThat(f.code).isEqualTo(code);
                });
    }

    /** The status of curl's CONNECT, as curl reports it. */
    private String httpConnectStatus(String target, String credentials) throws Exception {
        var r = StreamFixtures.run("curl", "-s", "-o", "/dev/null", "--max-time", "20", "-w", "%{http_connect}",
                "-p", "-x", "http://127.0.0.1:" + proxy(), "-U", credentials, "http://" + target + "/");
        return r.out().trim();
    }

    static int freePort() throws java.io.IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
