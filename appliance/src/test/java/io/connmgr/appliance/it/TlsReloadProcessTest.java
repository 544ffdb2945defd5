package io.connmgr.appliance.it;

import io.connmgr.appliance.auth.FleetTokens;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.ServerSocket;
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

/** SIGHUP to a real appliance process: the rotated certificate is served to new connections, old ones stay up. */
class TlsReloadProcessTest {
    @TempDir
    Path dir;
    Process appliance;

    @AfterEach
    void kill() {
        if (appliance != null) {
            appliance.destroyForcibly();
        }
    }

    @Test
    void sighup_rotatesTheCertificate_forNewHandshakesOnly() throws Exception {
        TestCerts certs = TestCerts.create(Files.createDirectories(dir.resolve("certs")));
        Path[] a = certs.server("appliance-a");
        Path[] b = certs.server("appliance-b");
        Path cert = dir.resolve("tls.pem");
        Path key = dir.resolve("tls.key");
        Files.copy(a[0], cert);
        Files.copy(a[1], key);
        int tlsPort = freePort();
        Path log = dir.resolve("appliance.log");
        appliance = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                // the production logging configuration, not the quiet one the test classpath puts first
                "-Dlogback.configurationFile=" + ClassLoader.getSystemResource("logback.xml"),
                "-cp", System.getProperty("java.class.path"),
                "io.connmgr.appliance.ApplianceMain",
                "--data-dir", dir.resolve("data").toString(),
                "--bind-address", "127.0.0.1", "--admin-bind-address", "127.0.0.1",
                "--device-port", "0", "--admin-port", "0", "--proxy-port", "0", "--control-port=-1",
                "--device-tls-port", Integer.toString(tlsPort), "--tls-cert", cert.toString(),
                "--tls-key", key.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("appliance ready")
                || !appliance.isAlive());
        assertThat(appliance.isAlive()).as(Files.readString(log)).isTrue();
        assertThat(Files.readString(log)).contains("TLS provider: OpenSSL");

        SSLContext client = ((JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(certs.ca.toFile()).build()).context();
        String token = new FleetTokens(SecretFiles.fleetKey(dir.resolve("data"))).mint("dev-1");
        SSLSocket old = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", tlsPort);
        try (TestDevice d = new TestDevice(old)) {
            d.connect("dev-1", token);
            assertThat(served(old)).isEqualTo("CN=appliance-a");

            Files.copy(b[0], cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(b[1], key, StandardCopyOption.REPLACE_EXISTING);
            assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(appliance.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("TLS reloaded"));

            String sClient = sClient(tlsPort, certs.ca);
            assertThat(sClient).contains("CN = appliance-b").contains("Verify return code: 0 (ok)");
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isInstanceOf(Pong.class);
        }
        assertThat(appliance.isAlive()).isTrue();
    }

    private static String served(SSLSocket s) throws IOException {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static String sClient(int port, Path ca) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
                ca.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close(); // end of input: s_client shakes hands, prints, and leaves
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
