package io.connmgr.appliance.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.message.Welcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs an appliance with every logger at DEBUG, exercises every credential path with good and bad secrets (devices,
 * back-ends on the control channel and the proxy, the admin API, a fleet key rotation, revocations) and checks that no
 * secret appears anywhere in what was logged: messages, arguments or stack traces.
 */
class SecretsNotLoggedTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;
    final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    final List<String> secrets = new ArrayList<>();
    Level rootLevel;
    Level connmgrLevel;

    @BeforeEach
    void captureEverything() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger connmgr = context.getLogger("io.connmgr");
        rootLevel = root.getLevel();
        connmgrLevel = connmgr.getLevel();
        root.setLevel(Level.DEBUG);
        connmgr.setLevel(Level.DEBUG);
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void restore() {
        if (harness != null) {
            harness.close();
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(captured);
        root.setLevel(rootLevel);
        context.getLogger("io.connmgr").setLevel(connmgrLevel);
    }

    @Test
    void noSecret_appearsInTheLog_atDebug() throws Exception {
        harness = new ApplianceHarness(dir, "auth-failure-limit", "1000", "connect-wait", "200ms").start();
        secrets.add(harness.adminToken());
        secrets.add(HexFormat.of().formatHex(SecretFiles.fleetKey(dir)));

        // Devices: provisioned tokens, right and wrong; fleet tokens.
        String token = provision("dev-1");
        secrets.add(token);
        assertThat(hello("dev-1", token)).isInstanceOf(Welcome.class);
        String wrong = "wrong-" + token.substring(6);
        secrets.add(wrong);
        hello("dev-1", wrong);
        String fleetToken = harness.fleetToken("meter-1");
        secrets.add(fleetToken);
        assertThat(hello("meter-1", fleetToken)).isInstanceOf(Welcome.class);
        hello("unknown-1", fleetToken);

        // Back-ends: control channel and proxy, right and wrong; the back-end token on an admin route.
        String backend = harness.backendToken("billing");
        secrets.add(backend);
        try (RawControl c = new RawControl(harness.appliance.controlPort())) {
            assertThat(c.hello("billing", backend)).isInstanceOf(BackendFrame.Welcome.class);
        }
        try (RawControl c = new RawControl(harness.appliance.controlPort())) {
            c.hello("billing", wrong);
        }
        for (String t : new String[]{backend, wrong, harness.adminToken()}) {
            String basic = Base64.getEncoder().encodeToString(("billing:" + t).getBytes(StandardCharsets.UTF_8));
            secrets.add(basic);
            proxyConnect(basic);
        }
        assertThat(harness.call("POST", "/v1/devices", backend, "{}".getBytes()).statusCode()).isEqualTo(403);
        assertThat(harness.call("GET", "/v1/stats", wrong, null).statusCode()).isEqualTo(401);

        // Fleet key rotation; both keys' tokens.
        HttpResponse<String> rotated = harness.admin("POST", "/v1/admin/fleet-key/rotate", "{\"overlap\":\"1h\"}");
        assertThat(rotated.statusCode()).isEqualTo(200);
        String newKey = rotated.body().replaceAll(".*\"fleet_key\"\\s*:\\s*\"([0-9a-f]+)\".*", "$1");
        secrets.add(newKey);
        String newFleetToken = harness.fleetToken("meter-1");
        secrets.add(newFleetToken);
        assertThat(hello("meter-1", newFleetToken)).isInstanceOf(Welcome.class);
        assertThat(hello("meter-1", fleetToken)).isInstanceOf(Welcome.class);

        // Revocations.
        assertThat(harness.admin("POST", "/v1/devices/dev-1/revoke", "").statusCode()).isEqualTo(200);
        hello("dev-1", token);
        assertThat(harness.admin("DELETE", "/v1/backends/billing", null).statusCode()).isEqualTo(204);
        harness.close();
        harness = null;

        List<String> lines = captured.list.stream().map(SecretsNotLoggedTest::everything).toList();
        // The capture works and sees DEBUG: otherwise the check below would pass vacuously.
        assertThat(captured.list).anyMatch(e -> e.getLevel() == Level.DEBUG);
        assertThat(lines).anyMatch(l -> l.contains("fleet key rotated"));
        assertThat(lines).anyMatch(l -> l.contains("back-end billing revoked"));
        for (String secret : secrets) {
            assertThat(secret).hasSizeGreaterThan(20);
            assertThat(lines).as("a log line holds a secret").noneMatch(l -> l.contains(secret));
        }
    }

    /** The message as formatted, its raw arguments and any stack trace. */
    private static String everything(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getFormattedMessage());
        if (e.getArgumentArray() != null) {
            b.append(' ').append(Arrays.deepToString(e.getArgumentArray()));
        }
        if (e.getThrowableProxy() != null) {
            b.append(' ').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        return b.toString();
    }

    private String provision(String id) throws Exception {
        HttpResponse<String> r = harness.admin("POST", "/v1/devices", "{\"device_id\":\"" + id + "\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        return r.body().replaceAll(".*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    private io.connmgr.protocol.message.Frame hello(String id, String token) throws IOException {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(TestDevice.hello(id, token));
            return d.read();
        }
    }

    private void proxyConnect(String basic) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", harness.appliance.proxyPort()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("CONNECT nobody:80 HTTP/1.1\r\nHost: nobody:80\r\nProxy-Authorization: Basic "
                    + basic + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }
}
