package io.connmgr.appliance.it;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.LinkTls;
import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The TLS listeners with real handshakes on loopback: test certificates from the openssl tool, and real clients (the
 * JDK's SSLSocket, openssl s_client, curl).
 */
class TlsListenersTest {
    @TempDir
    static Path certDir;
    static TestCerts certs;
    static Path[] serverA;
    static Path[] serverB;
    static Path[] device7;

    @TempDir
    Path dir;
    ApplianceHarness harness;
    /** The files the appliance is configured with; tests rotate them. */
    Path cert;
    Path key;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCerts.create(certDir);
        serverA = certs.server("appliance-a");
        serverB = certs.server("appliance-b");
        device7 = certs.device("dev-7", null);
    }

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private ApplianceHarness start(String... flags) throws Exception {
        cert = dir.resolve("tls.pem");
        key = dir.resolve("tls.key");
        Files.copy(serverA[0], cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(serverA[1], key, StandardCopyOption.REPLACE_EXISTING);
        List<String> all = new ArrayList<>(List.of("tls-cert", cert.toString(), "tls-key", key.toString(),
                "tls-ca", certs.ca.toString(), "device-tls-port", "0"));
        all.addAll(List.of(flags));
        harness = new ApplianceHarness(dir, all.toArray(String[]::new)).start();
        return harness;
    }

    private static SSLContext client(Path[] clientCert) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(certs.ca.toFile());
        if (clientCert != null) {
            b.keyManager(clientCert[0].toFile(), clientCert[1].toFile());
        }
        return ((JdkSslContext) b.build()).context();
    }

    private static SSLSocket tls(SSLContext context, int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static String servedName(SSLSocket s) throws IOException {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    @Test
    void deviceOverTls_welcomed_stopsAtIdle_neverSleeps_andPingsAreAnsweredWithoutWaking() throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        int tlsPort = harness.appliance.deviceTlsPort();
        try (SSLSocket s = tls(client(null), tlsPort); TestDevice d = new TestDevice(s);
             TestDevice plain = harness.connect("dev-plain")) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            assertThat(harness.gauge("cm.device.tls.connections")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-plain") == Tier.SLEEP);
            // The plain connection slept; the TLS one stays IDLE well past sleep-after.
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.IDLE);
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5))
                    .until(() -> harness.tierOf("dev-1") == Tier.IDLE);
            double wakes = harness.total("cm.wakes");
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isInstanceOf(Pong.class);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.IDLE);
            assertThat(harness.counter("cm.keepalives.answered", "tier", "idle")).isGreaterThanOrEqualTo(1);
            assertThat(harness.total("cm.wakes")).isEqualTo(wakes);
            assertThat(harness.counter("cm.tier.transitions", "from", "idle", "to", "sleep", "cause", "timer"))
                    .isEqualTo(1); // the plain device's only
            // A large MSG wakes it to ACTIVE through the same SslHandler, no byte lost, and it comes back to IDLE.
            byte[] payload = new byte[200_000];
            new java.util.Random(7).nextBytes(payload);
            d.send(new Msg(1, payload));
            assertThat(d.read(Ack.class)).isEqualTo(new Ack(1));
            assertThat(harness.uplinks).contains(new Msg(1, payload));
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.IDLE);
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isInstanceOf(Pong.class);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.gauge("cm.device.tls.connections") == 0);
    }

    @Test
    void mutualTls_certificateNamesTheDevice_tokenMayBeOmitted_otherIdIsBadCredentials() throws Exception {
        start("device-tls-client-auth", "require");
        int port = harness.appliance.deviceTlsPort();
        SSLContext withCert = client(device7);
        try (TestDevice d = new TestDevice(tls(withCert, port))) {
            assertThat(d.connect("dev-7", "")).isInstanceOf(Welcome.class);
        }
        try (TestDevice d = new TestDevice(tls(withCert, port))) {
            d.send(TestDevice.hello("dev-8", harness.fleetToken("dev-8")));
            Frame f = d.read();
            assertThat(f).isInstanceOfSatisfying(Reject.class,
                    r -> assertThat(r.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
        }
        try (TestDevice d = new TestDevice(tls(withCert, port))) { // a wrong token next to the certificate: refused
            d.send(TestDevice.hello("dev-7", "not-the-token"));
            assertThat(d.read()).isInstanceOfSatisfying(Reject.class,
                    r -> assertThat(r.reason()).isIn(ReasonCode.BAD_CREDENTIALS, ReasonCode.UNKNOWN_DEVICE));
        }
        // Without a certificate the handshake itself fails.
        SSLSocket noCert = (SSLSocket) client(null).getSocketFactory().createSocket("127.0.0.1", port);
        noCert.setSoTimeout(10_000);
        assertThat(handshakeOrFirstReadFails(noCert)).isTrue();
    }

    /** TLS 1.3 reports a refused client certificate only at the first read. */
    private static boolean handshakeOrFirstReadFails(SSLSocket s) {
        try (s) {
            s.startHandshake();
            s.getOutputStream().write(io.connmgr.protocol.codec.FrameCodec.toBytes(TestDevice.hello("dev-7", "")));
            s.getOutputStream().flush();
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void secondConnection_resumesItsTlsSession_withOpensslSClient() throws Exception {
        start("handshake-timeout", "1s");
        int port = harness.appliance.deviceTlsPort();
        for (String version : new String[]{"-tls1_3", "-tls1_2"}) {
            Path session = dir.resolve("session" + version);
            String first = sClient(port, version, "-sess_out", session.toString());
            assertThat(first).contains("New, TLS");
            String second = sClient(port, version, "-sess_in", session.toString());
            assertThat(second).as(version).contains("Reused, TLS");
        }
    }

    /** openssl s_client to the port; it ends when the appliance closes (no HELLO within the handshake timeout). */
    private String sClient(int port, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", certs.ca.toString(), "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void reloadThroughTheAdminApiOverHttps_newHandshakesGetTheNewCertificate_oldConnectionsStayUp() throws Exception {
        start("admin-tls", "true");
        int port = harness.appliance.deviceTlsPort();
        SSLSocket old = tls(client(null), port);
        try (TestDevice d = new TestDevice(old)) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            assertThat(servedName(old)).isEqualTo("CN=appliance-a");

            Files.copy(serverB[0], cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(serverB[1], key, StandardCopyOption.REPLACE_EXISTING);
            String answer = curl("-X", "POST", "https://127.0.0.1:" + harness.appliance.adminPort()
                    + "/v1/admin/tls/reload");
            assertThat(answer).contains("\"reloaded\":true").contains("CN=appliance-b").endsWith(" 200");

            try (SSLSocket fresh = tls(client(null), port)) {
                assertThat(servedName(fresh)).isEqualTo("CN=appliance-b");
            }
            d.send(Ping.INSTANCE); // the connection made before the reload still works
            assertThat(d.read()).isInstanceOf(Pong.class);
            assertThat(harness.tierOf("dev-1")).isNotEqualTo(Tier.DISCONNECTED);

            // A broken key file: the reload fails with a JSON error and the certificate in use stays.
            Files.writeString(key, "not a key");
            String failed = curl("-X", "POST", "https://127.0.0.1:" + harness.appliance.adminPort()
                    + "/v1/admin/tls/reload");
            assertThat(failed).contains("\"error\":\"tls_reload_failed\"").endsWith(" 422");
            try (SSLSocket fresh = tls(client(null), port)) {
                assertThat(servedName(fresh)).isEqualTo("CN=appliance-b");
            }
        }
    }

    /** curl over HTTPS trusting the test CA; the output ends with a space and the status code. */
    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert",
                certs.ca.toString(), "-H", "Authorization: Bearer " + harness.adminToken(), "-w", " %{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.trim();
    }

    @Test
    void proxyOverTls_speaksSocks5AndHttpConnectInsideTls() throws Exception {
        start("proxy-tls", "true");
        int port = harness.appliance.proxyPort();
        try (SSLSocket s = tls(client(null), port)) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[]{5, 1, 2}); // SOCKS5, one method: username/password
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(new byte[]{in.readByte(), in.readByte()}).containsExactly(5, 2);
        }
        try (SSLSocket s = tls(client(null), port)) {
            // No credentials from an untrusted source: the proxy's own answer must come back through TLS.
            s.getOutputStream().write("CONNECT dev-1:80 HTTP/1.1\r\nHost: dev-1:80\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).startsWith("HTTP/1.1 407");
        }
    }

    @Test
    void deviceClient_overTls_verifiesTheHostName_andWithItsCertificateNeedsNoToken() throws Exception {
        start("device-tls-client-auth", "optional");
        int port = harness.appliance.deviceTlsPort();
        for (boolean mutual : new boolean[]{false, true}) {
            String id = mutual ? "dev-7" : "dev-1";
            LinkTls linkTls = mutual ? LinkTls.of(certs.ca, device7[0], device7[1], true)
                    : LinkTls.of(certs.ca, null, null, true);
            try (DeviceClient client = DeviceClient.builder().appliance("127.0.0.1", port).deviceId(id)
                    .token(mutual ? "" : harness.fleetToken(id)).tls(linkTls)
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build().start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ConnectionState.CONNECTED);
                assertThat(client.send("over tls".getBytes()).get(10, TimeUnit.SECONDS)).isEqualTo(1);
            }
        }
        // A CA that did not sign the appliance's certificate: never connected.
        Path otherCaDir = Files.createDirectories(dir.resolve("other-ca"));
        TestCerts other = TestCerts.create(otherCaDir);
        try (DeviceClient client = DeviceClient.builder().appliance("127.0.0.1", port).deviceId("dev-1")
                .token(harness.fleetToken("dev-1")).tls(LinkTls.of(other.ca, null, null, true))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build().start()) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> harness.counter("cm.tls.handshake.failures", "listener", "device") >= 1);
            assertThat(client.state()).isNotEqualTo(ConnectionState.CONNECTED);
        }
    }

    @Test
    void dataConnectionsOverTheTlsPort_carryTheStream_copiedNotSpliced() throws Exception {
        harness = null;
        cert = dir.resolve("tls.pem");
        key = dir.resolve("tls.key");
        Files.copy(serverA[0], cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(serverA[1], key, StandardCopyOption.REPLACE_EXISTING);
        harness = new ApplianceHarness(dir, "tls-cert", cert.toString(), "tls-key", key.toString(),
                "device-tls-port", "0", "connect-wait", "5s", "io-threads", "1")
                .withBackends(StreamFixtures.backends()).start();
        try (var echo = StreamFixtures.echo();
             DeviceClient client = DeviceClient.builder().appliance("127.0.0.1", harness.appliance.deviceTlsPort())
                     .deviceId("dev-9").token(harness.fleetToken("dev-9"))
                     .tls(LinkTls.of(certs.ca, null, null, true))
                     .streamMode(io.connmgr.protocol.message.StreamMode.DATA_CONNECTION)
                     .expose(io.connmgr.agent.stream.Exposure.parse("9000=127.0.0.1:" + echo.port()))
                     .build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ConnectionState.CONNECTED);
            byte[] payload = new byte[256 * 1024];
            new java.util.Random(7).nextBytes(payload);
            try (java.net.Socket s = StreamFixtures.socks(harness.appliance.proxyPort(), "dev-9", 9000,
                    StreamFixtures.BACKEND, StreamFixtures.SECRET)) {
                s.getOutputStream().write(payload);
                s.shutdownOutput();
                assertThat(StreamFixtures.readAll(s.getInputStream())).isEqualTo(payload);
            }
            assertThat(harness.counter("cm.streams.opened", "mode", "data_connection", "result", "ok"))
                    .isEqualTo(1);
            // Ciphertext on the device's side: never spliced, always copied through the SslHandler.
            assertThat(harness.counter("cm.stream.data.connection.relays", "method", "copy")).isEqualTo(1);
            assertThat(harness.counter("cm.stream.data.connection.relays", "method", "splice")).isZero();
        }
    }

    @Test
    void controlChannelOverTls_theBackendClientSendsAMessage() throws Exception {
        start("control-tls", "true");
        try (SSLSocket s = tls(client(null), harness.appliance.controlPort())) {
            assertThat(servedName(s)).isEqualTo("CN=appliance-a");
        }
        BackendClient backend = BackendClient.builder().host("127.0.0.1").port(harness.appliance.controlPort())
                .credentials("billing", harness.backendToken("billing"))
                .tls(SslContextBuilder.forClient().trustManager(certs.ca.toFile()).build()).build();
        try (TestDevice device = harness.connect("dev-1")) {
            backend.connect().get(10, TimeUnit.SECONDS);
            assertThat(backend.send("dev-1", "over tls".getBytes(), null, null).get(10, TimeUnit.SECONDS))
                    .isNotEmpty();
        } finally {
            backend.close();
        }
    }
}
