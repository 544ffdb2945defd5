package io.connmgr.appliance.it;

import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.RpcStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** RPC calls and device settings from back-end servers, against a real appliance and loopback devices. */
class RpcAndSettingsTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;
    String token;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private void start(String... flags) throws Exception {
        harness = new ApplianceHarness(dir, flags).start();
        token = harness.backendToken("ops");
    }

    private TestDevice device(String id, int capabilities) throws Exception {
        TestDevice d = new TestDevice(harness.devicePort());
        Welcome w = d.connect(id, harness.fleetToken(id), capabilities, null);
        assertThat(w.capabilities() & Capabilities.RPC).as("the appliance offers RPC").isNotZero();
        return d;
    }

    private CompletableFuture<HttpResponse<byte[]>> rpc(String id, String query, String body) {
        return harness.callAsync("POST", "/v1/devices/" + id + "/rpc?" + query, token,
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void rpc_returnsTheDevicesAnswer_andItsErrorsAs502() throws Exception {
        start();
        try (TestDevice d = device("dev-1", Capabilities.RPC)) {
            var call = rpc("dev-1", "method=echo&timeout=5s", "ping");
            RpcRequest request = d.read(RpcRequest.class);
            assertThat(request.method()).isEqualTo("echo");
            assertThat(new String(request.body())).isEqualTo("ping");
            assertThat(request.timeoutMs()).isBetween(1L, 5000L);
            d.send(new RpcResponse(request.callId(), RpcStatus.OK, "pong".getBytes()));
            HttpResponse<byte[]> ok = call.get();
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(body(ok)).isEqualTo("pong");

            var failing = rpc("dev-1", "method=reboot", "");
            RpcRequest second = d.read(RpcRequest.class);
            d.send(new RpcResponse(second.callId(), RpcStatus.ERROR, "disk full".getBytes()));
            HttpResponse<byte[]> error = failing.get();
            assertThat(error.statusCode()).isEqualTo(502);
            assertThat(body(error)).contains("device_error").contains("disk full");
            assertThat(harness.counter("cm.rpc.calls", "outcome", "ok")).isEqualTo(1);
            assertThat(harness.counter("cm.rpc.calls", "outcome", "error")).isEqualTo(1);
        }
    }

    @Test
    void rpc_wakesASleepingDevice() throws Exception {
        start();
        try (TestDevice d = device("dev-1", Capabilities.RPC)) {
            assertThat(harness.admin("POST", "/v1/devices/dev-1/tier", "{\"tier\":\"SLEEP\"}").statusCode())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);
            var call = rpc("dev-1", "method=status", "");
            RpcRequest request = d.read(RpcRequest.class);
            d.send(new RpcResponse(request.callId(), RpcStatus.OK, "fine".getBytes()));
            assertThat(body(call.get())).isEqualTo("fine");
            // The last server link closed: the device goes back to sleep (server-activity demotion).
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);
        }
    }

    @Test
    void rpc_timesOutWith504_andLateAnswersAreIgnored() throws Exception {
        start();
        try (TestDevice d = device("dev-1", Capabilities.RPC)) {
            var call = rpc("dev-1", "method=slow&timeout=300ms", "");
            RpcRequest request = d.read(RpcRequest.class);
            HttpResponse<byte[]> timedOut = call.get();
            assertThat(timedOut.statusCode()).isEqualTo(504);
            assertThat(body(timedOut)).contains("\"error\":\"timeout\"");
            d.send(new RpcResponse(request.callId(), RpcStatus.OK, "late".getBytes()));
            var next = rpc("dev-1", "method=fast", "");
            RpcRequest again = d.read(RpcRequest.class);
            d.send(new RpcResponse(again.callId(), RpcStatus.OK, "ok".getBytes()));
            assertThat(next.get().statusCode()).as("the connection survived the late answer").isEqualTo(200);
        }
    }

    @Test
    void rpc_tooLargeForOneDeviceFrame_is413_withTheLimit() throws Exception {
        start("max-frame-size", "1KiB");
        try (TestDevice d = device("dev-1", Capabilities.RPC)) {
            // 13 bytes of head and the 4-byte method "echo" leave 1024 - 17 for the body.
            HttpResponse<byte[]> r = rpc("dev-1", "method=echo", "x".repeat(1024 - 16)).get();
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(body(r)).contains("payload_too_large").contains("at most 1007 bytes");
            assertThat(harness.counter("cm.rpc.calls", "outcome", "too_large")).isEqualTo(1);
        }
    }

    @Test
    void rpc_unknownDevice404_offline503_withoutRpc409() throws Exception {
        start();
        assertThat(rpc("nobody", "method=x", "").get().statusCode()).isEqualTo(404);
        try (TestDevice d = device("legacy", 0)) {
            HttpResponse<byte[]> r = rpc("legacy", "method=x", "").get();
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(body(r)).contains("rpc_not_supported");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("legacy") == Tier.DISCONNECTED);
        HttpResponse<byte[]> offline = rpc("legacy", "method=x", "").get();
        assertThat(offline.statusCode()).isEqualTo(503);
        assertThat(body(offline)).contains("device_offline");
    }

    @Test
    void settings_takeEffectOnTheLiveConnection() throws Exception {
        start("idle-after", "300ms", "sleep-after", "0s");
        try (TestDevice d = device("dev-1", 0)) {
            HttpResponse<byte[]> put = harness.call("PUT", "/v1/devices/dev-1/settings", token,
                    "{\"always_active\":true,\"persistent_required\":true}".getBytes());
            assertThat(put.statusCode()).as(body(put)).isEqualTo(200);
            assertThat(body(put)).contains("\"always_active\":true").contains("\"persistent_required\":true")
                    .contains("\"applies_from\":\"now\"");
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5))
                    .until(() -> harness.tierOf("dev-1") == Tier.ACTIVE);

            put = harness.call("PUT", "/v1/devices/dev-1/settings", token,
                    "{\"always_active\":null,\"idle_after\":\"100ms\"}".getBytes());
            assertThat(put.statusCode()).as(body(put)).isEqualTo(200);
            assertThat(body(put)).contains("\"idle_after\":\"100ms\"").contains("\"persistent_required\":true");
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.IDLE);

            assertThat(harness.call("PUT", "/v1/devices/dev-1/settings", token, "{\"idle\":\"1s\"}".getBytes())
                    .statusCode()).isEqualTo(400);
            assertThat(harness.call("PUT", "/v1/devices/dev-1/settings", token,
                    "{\"keep_alive\":\"1ms\"}".getBytes()).statusCode()).isEqualTo(400);
            assertThat(harness.call("PUT", "/v1/devices/nobody/settings", token, "{}".getBytes()).statusCode())
                    .isEqualTo(404);
        }
        assertThat(harness.appliance.store().loadSettings("dev-1").orElseThrow().persistentRequired()).isTrue();
    }

    @Test
    void failedDirectAttempts_atTheThreshold_requireThePersistentConnection() throws Exception {
        start("direct-fail-threshold", "2");
        try (TestDevice d = device("dev-1", 0)) {
            String path = "/v1/devices/dev-1/direct-attempts";
            assertThat(body(harness.call("POST", path, token, "{\"success\":false}".getBytes())))
                    .contains("\"consecutive_failures\":1").contains("\"persistent_required\":false");
            assertThat(body(harness.call("POST", path, token, "{\"success\":true}".getBytes())))
                    .contains("\"consecutive_failures\":0");
            harness.call("POST", path, token, "{\"success\":false}".getBytes());
            assertThat(body(harness.call("POST", path, token, "{\"success\":false}".getBytes())))
                    .contains("\"consecutive_failures\":2").contains("\"persistent_required\":true");
            assertThat(harness.appliance.store().loadSettings("dev-1").orElseThrow().persistentRequired()).isTrue();
        }
    }
}
