package io.connmgr.appliance.it;

import io.connmgr.appliance.auth.FleetTokens;
import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Credentials over real sockets against a real appliance: failure limits on each listener, fleet key rotation with an
 * overlap, revocation of devices and back-ends ending live connections, and the separation of the admin and back-end
 * roles.
 */
class CredentialsEndToEndTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private ApplianceHarness start(String... flags) throws InterruptedException {
        harness = new ApplianceHarness(dir, flags).start();
        return harness;
    }

    private Frame hello(String id, String token) throws IOException {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.send(TestDevice.hello(id, token));
            return d.read();
        }
    }

    private static ReasonCode rejected(Frame f) {
        assertThat(f).isInstanceOf(Reject.class);
        return ReasonCode.fromCode(((Reject) f).reasonCode());
    }

    private String provision(String id) throws Exception {
        HttpResponse<String> r = harness.admin("POST", "/v1/devices", "{\"device_id\":\"" + id + "\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        return r.body().replaceAll(".*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    // ------------------------------------------------------------------ failure limits, one per listener

    @Test
    void deviceHellos_overTheFailureLimit_areRejectedRateLimited_evenWithTheRightToken() throws Exception {
        start("auth-failure-limit", "3", "auth-failure-window", "10m");
        String token = provision("dev-1");
        assertThat(rejected(hello("dev-1", "wrong-1"))).isEqualTo(ReasonCode.BAD_CREDENTIALS);
        assertThat(rejected(hello("nobody", "0".repeat(64)))).isEqualTo(ReasonCode.UNKNOWN_DEVICE);
        assertThat(rejected(hello("dev-1", "wrong-3"))).isEqualTo(ReasonCode.BAD_CREDENTIALS);

        assertThat(rejected(hello("dev-1", token))).isEqualTo(ReasonCode.RATE_LIMITED);
        assertThat(harness.counter("cm.auth.rate_limited", "listener", "device")).isEqualTo(1);
        assertThat(harness.counter("cm.auth.failures", "reason", "rate_limited")).isEqualTo(1);
        assertThat(harness.counter("cm.auth.rate_limited", "listener", "control")).isZero();
    }

    @Test
    void controlHellos_overTheFailureLimit_getGoAwayRateLimited_evenWithTheRightToken() throws Exception {
        start("auth-failure-limit", "2", "auth-failure-window", "10m");
        String token = harness.backendToken("billing");
        for (int i = 0; i < 2; i++) {
            try (RawControl c = new RawControl(harness.appliance.controlPort())) {
                assertThat(c.hello("billing", "wrong")).isInstanceOfSatisfying(BackendFrame.GoAway.class,
                        g -> assertThat(g.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
            }
        }
        try (RawControl c = new RawControl(harness.appliance.controlPort())) {
            BackendFrame f = c.hello("billing", token);
            assertThat(f).isInstanceOfSatisfying(BackendFrame.GoAway.class, g -> {
                assertThat(g.reason()).isEqualTo(ReasonCode.RATE_LIMITED);
                assertThat(g.reconnectAfterMillis()).isPositive();
            });
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(harness.counter("cm.auth.rate_limited", "listener", "control")).isEqualTo(1);
    }

    @Test
    void proxyCredentials_overTheFailureLimit_get429WithRetryAfter() throws Exception {
        start("auth-failure-limit", "2", "auth-failure-window", "10m");
        String token = harness.backendToken("billing");
        assertThat(connect("billing", "wrong")).startsWith("HTTP/1.1 407");
        assertThat(connect("billing", "wrong")).startsWith("HTTP/1.1 407");
        String limited = connect("billing", token);
        assertThat(limited).startsWith("HTTP/1.1 429").containsIgnoringCase("Retry-After: ")
                .contains("rate_limited");
        assertThat(harness.counter("cm.auth.rate_limited", "listener", "proxy")).isEqualTo(1);
    }

    /** One HTTP CONNECT through the proxy listener; returns the whole answer (the proxy closes after a refusal). */
    private String connect(String name, String token) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", harness.appliance.proxyPort()), 5000);
            s.setSoTimeout(10_000);
            String basic = Base64.getEncoder().encodeToString((name + ":" + token).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(("CONNECT dev-9:80 HTTP/1.1\r\nHost: dev-9:80\r\nProxy-Authorization: Basic "
                    + basic + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    @Test
    void adminRequests_overTheFailureLimit_get429WithAJsonBodyAndRetryAfter() throws Exception {
        start("auth-failure-limit", "3", "auth-failure-window", "10m");
        assertThat(harness.call("GET", "/v1/stats", null, null).statusCode()).isEqualTo(401);
        assertThat(harness.call("GET", "/v1/stats", "wrong", null).statusCode()).isEqualTo(401);
        assertThat(harness.call("GET", "/v1/nothing-here", "wrong", null).statusCode()).isEqualTo(401);

        HttpResponse<byte[]> limited = harness.call("GET", "/v1/stats", harness.adminToken(), null);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isBetween(1L, 600L));
        assertThat(limited.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        assertThat(new String(limited.body(), StandardCharsets.UTF_8)).contains("\"error\":\"rate_limited\"");
        assertThat(harness.counter("cm.auth.rate_limited", "listener", "admin")).isEqualTo(1);
        // Open endpoints are not behind the limit: health checks keep working.
        assertThat(harness.call("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ fleet key rotation

    @Test
    void fleetKeyRotation_bothKeysWorkDuringTheOverlap_aRestartKeepsIt_thenOnlyTheNewKey() throws Exception {
        FakeTime time = new FakeTime();
        harness = new ApplianceHarness(dir, "idle-after", "0s", "sleep-after", "0s").withTime(time).start();
        String oldToken = harness.fleetToken("meter-1");

        HttpResponse<String> r = harness.admin("POST", "/v1/admin/fleet-key/rotate", "{\"overlap\":\"2h\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String newKey = r.body().replaceAll(".*\"fleet_key\"\\s*:\\s*\"([0-9a-f]+)\".*", "$1");
        String newToken = new FleetTokens(HexFormat.of().parseHex(newKey)).mint("meter-1");
        assertThat(harness.fleetToken("meter-1")).isEqualTo(newToken); // fleet.key now holds the new key

        assertThat(hello("meter-1", oldToken)).isInstanceOf(Welcome.class);
        assertThat(hello("meter-1", newToken)).isInstanceOf(Welcome.class);
        assertThat(harness.counter("cm.auth.fleet_key.verified", "key", "previous")).isEqualTo(1);
        assertThat(harness.counter("cm.auth.fleet_key.verified", "key", "current")).isEqualTo(1);
        HttpResponse<String> status = harness.admin("GET", "/v1/admin/fleet-key", null);
        assertThat(status.body()).contains("\"previous\":{").doesNotContain(newKey);

        harness.restart();
        assertThat(hello("meter-1", oldToken)).isInstanceOf(Welcome.class);

        time.advance(Duration.ofHours(2));
        assertThat(rejected(hello("meter-1", oldToken))).isEqualTo(ReasonCode.UNKNOWN_DEVICE);
        assertThat(hello("meter-1", newToken)).isInstanceOf(Welcome.class);
        assertThat(harness.admin("GET", "/v1/admin/fleet-key", null).body()).contains("\"previous\":null");
    }

    @Test
    void fleetKeyRotation_withABadOverlap_is400_andKeepsTheKey() throws Exception {
        start();
        String token = harness.fleetToken("meter-1");
        assertThat(harness.admin("POST", "/v1/admin/fleet-key/rotate", "{\"overlap\":\"soon\"}").statusCode())
                .isEqualTo(400);
        assertThat(harness.admin("POST", "/v1/admin/fleet-key/rotate", "{\"overlap\":\"365d\"}").statusCode())
                .isEqualTo(400);
        assertThat(harness.fleetToken("meter-1")).isEqualTo(token);
    }

    @Test
    void cli_rotatesTheFleetKey_andRevokesADevice_throughTheRunningAppliance() throws Exception {
        start();
        String oldToken = harness.fleetToken("meter-1");
        String admin = "http://127.0.0.1:" + harness.appliance.adminPort();
        int rotated = new picocli.CommandLine(new io.connmgr.appliance.DeviceCli()).execute("rotate-fleet-key",
                "--overlap", "1h", "--data-dir", dir.toString(), "--admin", admin);
        assertThat(rotated).isZero();
        String newToken = harness.fleetToken("meter-1");
        assertThat(newToken).isNotEqualTo(oldToken);
        assertThat(hello("meter-1", oldToken)).isInstanceOf(Welcome.class);
        assertThat(hello("meter-1", newToken)).isInstanceOf(Welcome.class);

        int revoked = new picocli.CommandLine(new io.connmgr.appliance.DeviceCli()).execute("revoke", "meter-1",
                "--data-dir", dir.toString(), "--admin", admin);
        assertThat(revoked).isZero();
        assertThat(rejected(hello("meter-1", newToken))).isEqualTo(ReasonCode.REVOKED);
    }

    @Test
    void curl_seesTheRolesAndTheLimit_asTheDocsSay() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/usr/bin/curl").canExecute(), "no curl");
        start("auth-failure-limit", "2", "auth-failure-window", "10m");
        String backend = harness.backendToken("billing");
        String base = "http://127.0.0.1:" + harness.appliance.adminPort();
        assertThat(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                "Authorization: Bearer " + backend, base + "/v1/admin/fleet-key/rotate")).isEqualTo("403");
        assertThat(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + backend,
                base + "/v1/devices/dev-1")).isIn("200", "404");
        curl("-s", "-H", "Authorization: Bearer nope", base + "/v1/stats");
        curl("-s", "-H", "Authorization: Bearer nope", base + "/v1/stats");
        String limited = curl("-s", "-i", "-H", "Authorization: Bearer " + harness.adminToken(), base + "/v1/stats");
        assertThat(limited).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: ")
                .contains("\"error\":\"rate_limited\"");
    }

    private static String curl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "/usr/bin/curl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ revocation

    @Test
    void revokingASleepingDevice_endsItsConnectionWithGoAwayRevoked_andLaterHellosAreRejectedRevoked()
            throws Exception {
        start("idle-after", "100ms", "sleep-after", "300ms");
        assertThat(harness.appliance.credentials()).isNotNull();
        try (TestDevice d = harness.connect("dev-1")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.SLEEP
                    || (harness.tierOf("dev-1") == Tier.IDLE && !sleepTierAvailable()));
            HttpResponse<String> r = harness.admin("POST", "/v1/devices/dev-1/revoke", "");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"connection_ended\":true");
            Frame f = d.read();
            assertThat(f).isInstanceOfSatisfying(GoAway.class,
                    g -> assertThat(ReasonCode.fromCode(g.reasonCode())).isEqualTo(ReasonCode.REVOKED));
            assertThat(d.closedByPeer()).isTrue();
        }
        assertThat(rejected(hello("dev-1", harness.fleetToken("dev-1")))).isEqualTo(ReasonCode.REVOKED);

        String token = provision("dev-1"); // re-provisioning lifts the revocation
        assertThat(hello("dev-1", token)).isInstanceOf(Welcome.class);
    }

    private boolean sleepTierAvailable() {
        return io.connmgr.appliance.transport.Transport.detect().isEpoll();
    }

    @Test
    void revokingAnActiveProvisionedDevice_endsItsConnection_andSurvivesARestart() throws Exception {
        start();
        String token = provision("dev-2");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-2", token);
            assertThat(harness.admin("POST", "/v1/devices/dev-2/revoke", "").statusCode()).isEqualTo(200);
            assertThat(d.read(GoAway.class).reasonCode()).isEqualTo(ReasonCode.REVOKED.code());
        }
        harness.restart();
        assertThat(rejected(hello("dev-2", token))).isEqualTo(ReasonCode.REVOKED);
        assertThat(harness.counter("cm.auth.failures", "reason", "revoked")).isEqualTo(1);
    }

    @Test
    void revokingABackend_endsItsControlChannelWithGoAwayRevoked_andItsProxyConnection() throws Exception {
        start();
        String token = harness.backendToken("billing");
        try (RawControl control = new RawControl(harness.appliance.controlPort());
             Socket proxy = socksAuthenticated("billing", token)) {
            assertThat(control.hello("billing", token)).isInstanceOf(BackendFrame.Welcome.class);
            await().atMost(Duration.ofSeconds(5)).until(
                    () -> harness.appliance.credentials().backendConnections().count("billing") == 2);

            assertThat(harness.admin("DELETE", "/v1/backends/billing", null).statusCode()).isEqualTo(204);

            assertThat(control.readSkippingPings()).isInstanceOfSatisfying(BackendFrame.GoAway.class,
                    g -> assertThat(g.reason()).isEqualTo(ReasonCode.REVOKED));
            assertThat(control.closedByPeer()).isTrue();
            assertThat(proxy.getInputStream().read()).isEqualTo(-1);
        }
        try (RawControl again = new RawControl(harness.appliance.controlPort())) {
            assertThat(again.hello("billing", token)).isInstanceOfSatisfying(BackendFrame.GoAway.class,
                    g -> assertThat(g.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
        }
        assertThat(harness.counter("cm.control.goaways", "reason", "revoked")).isEqualTo(1);
    }

    /** A SOCKS5 connection past username/password authentication (RFC 1929), before its CONNECT. */
    private Socket socksAuthenticated(String name, String token) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", harness.appliance.proxyPort()), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(new byte[]{5, 1, 2});
        assertThat(s.getInputStream().readNBytes(2)).containsExactly(5, 2);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.write(1);
        auth.write(n.length);
        auth.write(n);
        auth.write(t.length);
        auth.write(t);
        s.getOutputStream().write(auth.toByteArray());
        assertThat(s.getInputStream().readNBytes(2)).containsExactly(1, 0);
        return s;
    }

    // ------------------------------------------------------------------ roles

    @Test
    void adminTokenFile_mayHoldOnlyTheTokensHash_andTheHashIsNoToken() throws Exception {
        String token = "operator-kept-token-" + "x".repeat(30);
        String digest = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        java.nio.file.Files.writeString(dir.resolve("admin.token"), "sha256:" + digest + "\n");
        java.nio.file.Files.setPosixFilePermissions(dir.resolve("admin.token"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        start();
        assertThat(harness.call("GET", "/v1/stats", token, null).statusCode()).isEqualTo(200);
        assertThat(harness.call("GET", "/v1/stats", "sha256:" + digest, null).statusCode()).isEqualTo(401);
        assertThat(harness.call("GET", "/v1/stats", digest, null).statusCode()).isEqualTo(401);
    }

    @Test
    void adminToken_isNoBackendCredential_onTheControlChannelOrTheProxy() throws Exception {
        start();
        String admin = harness.adminToken();
        harness.backendToken("billing");
        for (String name : new String[]{"admin", "billing"}) {
            try (RawControl c = new RawControl(harness.appliance.controlPort())) {
                assertThat(c.hello(name, admin)).isInstanceOfSatisfying(BackendFrame.GoAway.class,
                        g -> assertThat(g.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
            }
            assertThat(connect(name, admin)).startsWith("HTTP/1.1 407");
        }
    }

    @Test
    void backendToken_isRefused403_onEveryAdminOnlyRoute_andAllowedOnBackendRoutes() throws Exception {
        start();
        String backend = harness.backendToken("billing");
        String[][] adminOnly = {
                {"GET", "/v1/stats"}, {"GET", "/v1/devices"}, {"POST", "/v1/devices"},
                {"POST", "/v1/devices/dev-1/tier"}, {"DELETE", "/v1/devices/dev-1/connection"},
                {"POST", "/v1/devices/dev-1/revoke"}, {"POST", "/v1/backends"}, {"GET", "/v1/backends"},
                {"DELETE", "/v1/backends/billing"}, {"GET", "/v1/admin/fleet-key"},
                {"POST", "/v1/admin/fleet-key/rotate"}};
        for (String[] route : adminOnly) {
            HttpResponse<byte[]> r = harness.call(route[0], route[1], backend,
                    "{\"device_id\":\"dev-1\",\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/json");
            assertThat(r.statusCode()).as(route[0] + " " + route[1]).isEqualTo(403);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"error\":\"forbidden\"");
        }
        String fleetToken = harness.fleetToken("dev-1");
        assertThat(harness.call("GET", "/v1/devices/dev-1", backend, null).statusCode()).isIn(200, 404);
        assertThat(harness.call("GET", "/v1/devices/dev-1/settings", backend, null).statusCode()).isIn(200, 404);
        // Nothing changed: the back-end still exists and the fleet key was not rotated.
        assertThat(harness.admin("GET", "/v1/backends", null).body()).contains("\"billing\"");
        assertThat(harness.fleetToken("dev-1")).isEqualTo(fleetToken);
    }
}
