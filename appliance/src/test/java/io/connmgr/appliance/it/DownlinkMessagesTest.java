package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Welcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Downlink messages from back-end servers over REST, against a real appliance, store and loopback devices. */
class DownlinkMessagesTest {
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
        token = harness.backendToken("billing");
    }

    /** Something a test runs in the store's enqueue, before the real one (it may block to hold the write). */
    private interface EnqueueHook {
        void run() throws InterruptedException;
    }

    private static UnaryOperator<MessageStore> beforeEachEnqueue(EnqueueHook hook) {
        return real -> (MessageStore) Proxy.newProxyInstance(MessageStore.class.getClassLoader(),
                new Class<?>[]{MessageStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("enqueue")) {
                        hook.run();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private HttpResponse<byte[]> post(String deviceId, String payload, String... headers) throws Exception {
        return harness.call("POST", "/v1/devices/" + deviceId + "/messages", token,
                payload.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static String messageId(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as(body(r)).isEqualTo(202);
        return body(r).replaceAll(".*\"message_id\":\"([^\"]+)\".*", "$1");
    }

    private String status(String deviceId, String messageId) throws Exception {
        HttpResponse<byte[]> r = harness.call("GET", "/v1/devices/" + deviceId + "/messages/" + messageId, token,
                null);
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        return body(r).replaceAll(".*\"status\":\"([^\"]+)\".*", "$1");
    }

    private void provision(String deviceId) throws Exception {
        assertThat(harness.admin("POST", "/v1/devices", "{\"device_id\":\"" + deviceId + "\"}").statusCode())
                .isEqualTo(201);
    }

    @Test
    void connectedDevice_getsTheMessageAsMsg_andItsAckMarksItDelivered() throws Exception {
        start();
        try (TestDevice d = harness.connect("dev-1")) {
            String id = messageId(post("dev-1", "turn on"));
            Msg msg = d.read(Msg.class);
            assertThat(msg.seq()).isEqualTo(1);
            assertThat(new String(msg.payload(), StandardCharsets.UTF_8)).isEqualTo("turn on");
            assertThat(status("dev-1", id)).isEqualTo("queued");

            d.send(new Ack(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> status("dev-1", id).equals("delivered"));
            assertThat(harness.appliance.messaging().depth("dev-1")).isZero();
            assertThat(harness.counter("cm.messages.delivered")).isEqualTo(1);
        }
    }

    @Test
    void accepted_isAnsweredOnlyAfterTheDurableWrite() throws Exception {
        CountDownLatch writeMayProceed = new CountDownLatch(1);
        harness = new ApplianceHarness(dir);
        harness.messageStore = beforeEachEnqueue(writeMayProceed::await);
        harness.start();
        token = harness.backendToken("billing");
        provision("dev-1");

        CompletableFuture<HttpResponse<byte[]>> response = harness.callAsync("POST", "/v1/devices/dev-1/messages",
                token, "payload".getBytes());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !response.isDone());
        assertThat(harness.appliance.store().messages().meta("dev-1").depth()).isZero();

        writeMayProceed.countDown();
        String id = messageId(response.get());
        // The answer came after the write: the message is in the store, with its status.
        assertThat(harness.appliance.store().messages().meta("dev-1").depth()).isEqualTo(1);
        assertThat(harness.appliance.store().messages().status("dev-1", id)).isPresent();
    }

    @Test
    void messagesArrivingDuringAnFsync_shareTheNextOne() throws Exception {
        CountDownLatch firstWriteMayProceed = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        harness = new ApplianceHarness(dir);
        harness.messageStore = beforeEachEnqueue(() -> {
            if (writes.incrementAndGet() == 1) {
                firstWriteMayProceed.await();
            }
        });
        harness.start();
        token = harness.backendToken("billing");
        provision("dev-1");

        var first = harness.callAsync("POST", "/v1/devices/dev-1/messages", token, "first".getBytes());
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.get() == 1);
        List<CompletableFuture<HttpResponse<byte[]>>> more = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            more.add(harness.callAsync("POST", "/v1/devices/dev-1/messages", token, ("m" + i).getBytes()));
        }
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> writes.get() == 1);
        firstWriteMayProceed.countDown();
        messageId(first.get());
        for (var r : more) {
            messageId(r.get());
        }
        assertThat(writes.get()).as("one fsync for the first, one for the five that waited").isEqualTo(2);
        assertThat(harness.appliance.messaging().depth("dev-1")).isEqualTo(6);
    }

    @Test
    void sleepingDevice_isWokenToReceive() throws Exception {
        start();
        try (TestDevice d = harness.connect("dev-1")) {
            assertThat(harness.admin("POST", "/v1/devices/dev-1/tier", "{\"tier\":\"SLEEP\"}").statusCode())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);

            messageId(post("dev-1", "wake up"));
            Msg msg = d.read(Msg.class);
            assertThat(new String(msg.payload())).isEqualTo("wake up");
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            d.send(new Ack(msg.seq()));
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.appliance.messaging().depth("dev-1") == 0);
        }
    }

    @Test
    void unacknowledgedMessages_areResentOnResume_withTheirNumbers() throws Exception {
        start();
        byte[] resumeToken;
        try (TestDevice d = harness.connect("dev-1")) {
            resumeToken = null;
            messageId(post("dev-1", "one"));
            messageId(post("dev-1", "two"));
            assertThat(d.read(Msg.class).seq()).isEqualTo(1);
            assertThat(d.read(Msg.class).seq()).isEqualTo(2);
            d.send(new Ack(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.appliance.messaging().depth("dev-1") == 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.DISCONNECTED);
        Welcome first;
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            // a new session: numbering starts again at 1
            first = d.connect("dev-1", harness.fleetToken("dev-1"), 0, resumeToken);
            Msg again = d.read(Msg.class);
            assertThat(again.seq()).isEqualTo(1);
            assertThat(new String(again.payload())).isEqualTo("two");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("dev-1") == Tier.DISCONNECTED);
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            Welcome resumed = d.connect("dev-1", harness.fleetToken("dev-1"), 0, first.resumeToken());
            assertThat(resumed.resumed()).isTrue();
            Msg again = d.read(Msg.class);
            assertThat(again.seq()).as("same session, same number").isEqualTo(1);
            messageId(post("dev-1", "three"));
            assertThat(d.read(Msg.class).seq()).isEqualTo(2);
            d.send(new Ack(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.appliance.messaging().depth("dev-1") == 0);
        }
    }

    @Test
    void queuedMessages_surviveTheDeviceBeingAway_andAnApplianceRestart() throws Exception {
        start();
        provision("dev-1");
        List<String> ids = new CopyOnWriteArrayList<>();
        for (int i = 1; i <= 3; i++) {
            ids.add(messageId(post("dev-1", "m" + i)));
        }
        harness.restart();
        String deviceToken = harness.admin("POST", "/v1/devices", "{\"device_id\":\"dev-1\"}").body()
                .replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", deviceToken, 0, null);
            for (int i = 1; i <= 3; i++) {
                Msg m = d.read(Msg.class);
                assertThat(m.seq()).isEqualTo(i);
                assertThat(new String(m.payload())).isEqualTo("m" + i);
            }
            d.send(new Ack(3));
            for (String id : ids) {
                await().atMost(Duration.ofSeconds(10)).until(() -> status("dev-1", id).equals("delivered"));
            }
        }
    }

    @Test
    void fullQueue_isRefusedWith429_neverDropped() throws Exception {
        start("message-queue-max", "2");
        provision("dev-1");
        messageId(post("dev-1", "a"));
        messageId(post("dev-1", "b"));
        HttpResponse<byte[]> third = post("dev-1", "c");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(body(third)).contains("\"error\":\"queue_full\"");
        assertThat(harness.appliance.messaging().depth("dev-1")).isEqualTo(2);
    }

    @Test
    void sameIdempotencyKey_returnsTheSameMessage() throws Exception {
        start();
        provision("dev-1");
        String first = messageId(post("dev-1", "x", "Idempotency-Key", "order-42"));
        HttpResponse<byte[]> again = post("dev-1", "x", "Idempotency-Key", "order-42");
        assertThat(messageId(again)).isEqualTo(first);
        assertThat(body(again)).contains("\"duplicate\":true");
        assertThat(harness.appliance.messaging().depth("dev-1")).isEqualTo(1);
    }

    @Test
    void expiredMessage_isReportedExpired_andNotDelivered() throws Exception {
        start();
        provision("dev-1");
        String id = messageId(post("dev-1", "stale", "X-Message-TTL", "200ms"));
        await().atMost(Duration.ofSeconds(10)).until(() -> status("dev-1", id).equals("expired"));
        String deviceToken = harness.admin("POST", "/v1/devices", "{\"device_id\":\"dev-1\"}").body()
                .replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", deviceToken, 0, null);
            d.send(Ping.INSTANCE);
            assertThat(d.read()).as("nothing but the PONG").isInstanceOf(Pong.class);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.appliance.messaging().depth("dev-1") == 0);
        assertThat(status("dev-1", id)).isEqualTo("expired");
    }

    @Test
    void unknownDevice_404_tooLarge_413_badTtl_400() throws Exception {
        start("max-frame-size", "1KiB");
        assertThat(post("nobody", "x").statusCode()).isEqualTo(404);
        provision("dev-1");
        HttpResponse<byte[]> tooLarge = post("dev-1", "x".repeat(1024 - 7));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(body(tooLarge)).contains("payload_too_large");
        assertThat(post("dev-1", "x".repeat(1024 - 8)).statusCode()).isEqualTo(202);
        assertThat(post("dev-1", "x", "X-Message-TTL", "soon").statusCode()).isEqualTo(400);
    }

    @Test
    void backendToken_reachesDevices_butNotAdminEndpoints() throws Exception {
        start();
        provision("dev-1");
        assertThat(harness.call("GET", "/v1/devices/dev-1", token, null).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> forbidden = harness.call("GET", "/v1/backends", token, null);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(body(forbidden)).contains("\"error\":\"forbidden\"");
        assertThat(harness.call("POST", "/v1/devices", token, "{\"device_id\":\"x\"}".getBytes()).statusCode())
                .isEqualTo(403);
        assertThat(harness.call("GET", "/v1/stats", token, null).statusCode()).isEqualTo(403);
        assertThat(harness.call("GET", "/v1/devices/dev-1", "wrong", null).statusCode()).isEqualTo(401);

        String list = harness.admin("GET", "/v1/backends", null).body();
        assertThat(list).contains("\"name\":\"billing\"").doesNotContain(token);
        assertThat(harness.admin("POST", "/v1/backends", "{\"name\":\"billing\"}").statusCode()).isEqualTo(409);
        assertThat(harness.appliance.backendAuthenticator().authenticate("billing", token)).contains("billing");
        assertThat(harness.appliance.backendAuthenticator().authenticate("billing", "nope")).isEmpty();

        assertThat(harness.admin("DELETE", "/v1/backends/billing", null).statusCode()).isEqualTo(204);
        assertThat(harness.call("GET", "/v1/devices/dev-1", token, null).statusCode()).isEqualTo(401);
    }

    @Test
    void uplinkMessages_arePostedToTheWebhook() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(received.size() == 1 ? 503 : 204, -1); // the first attempt fails
            exchange.close();
        });
        server.start();
        try {
            start("webhook-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
            try (TestDevice d = harness.connect("dev-1")) {
                d.send(new Msg(1, "reading=42".getBytes()));
                assertThat(d.read(Ack.class).seq()).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
            assertThat(received.get(1)).contains("\"device_id\":\"dev-1\"").contains("\"seq\":1")
                    .contains("\"payload\":\"" + java.util.Base64.getEncoder().encodeToString("reading=42".getBytes()));
            assertThat(harness.uplinks).hasSize(1);
        } finally {
            server.stop(0);
        }
    }
}
