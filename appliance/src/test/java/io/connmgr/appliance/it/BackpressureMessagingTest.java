package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.client.BackendException;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Messages under overload, on loopback with a real store: floods meet explicit, counted refusals; a device that does
 * not read gets no more than its window and is not read either; a device whose uplink cannot be passed on is paused,
 * not queued for.
 */
class BackpressureMessagingTest {
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

    private HttpResponse<byte[]> post(String deviceId, byte[] payload) throws Exception {
        return harness.call("POST", "/v1/devices/" + deviceId + "/messages", token, payload);
    }

    private void provision(String deviceId) throws Exception {
        assertThat(harness.admin("POST", "/v1/devices", "{\"device_id\":\"" + deviceId + "\"}").statusCode())
                .isEqualTo(201);
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    long bufferedBytes() {
        return (long) harness.gauge("cm.buffers.allocator.direct") + (long) harness.gauge("cm.buffers.allocator.heap");
    }

    @Test
    void floodToOneDevice_hitsItsQueueCap_429_thenTheApplianceCap_507_bothCounted_andOverTheControlChannel()
            throws Exception {
        start("message-queue-max", "5", "message-queue-max-total", "8");
        provision("hot");
        provision("other");
        try (BackendClient backend = BackendClient.builder().host("127.0.0.1")
                .port(harness.appliance.controlPort()).credentials("billing", token).build()) {
            backend.connect().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                assertThat(post("hot", new byte[]{(byte) i}).statusCode()).isEqualTo(202);
            }
            HttpResponse<byte[]> perDevice = post("hot", new byte[]{9});
            assertThat(perDevice.statusCode()).isEqualTo(429);
            assertThat(body(perDevice)).contains("\"error\":\"queue_full\"");
            assertThatThrownBy(() -> backend.send("hot", new byte[]{1}, null, null).get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOf(BackendException.QueueFull.class);
            assertThat(harness.counter("cm.messages.rejected", "reason", "queue_full")).isEqualTo(2);

            for (int i = 0; i < 3; i++) {
                assertThat(post("other", new byte[]{(byte) i}).statusCode()).isEqualTo(202);
            }
            HttpResponse<byte[]> appliance = post("other", new byte[]{9});
            assertThat(appliance.statusCode()).isEqualTo(507);
            assertThat(body(appliance)).contains("\"error\":\"appliance_queue_full\"")
                    .contains("message-queue-max-total");
            assertThatThrownBy(() -> backend.send("other", new byte[]{1}, null, null).get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(BackendException.class, e -> {
                        assertThat(e.status()).isEqualTo(BackendStatus.UNAVAILABLE);
                        assertThat(e.getMessage()).contains("appliance_full");
                    });
            assertThat(harness.counter("cm.messages.rejected", "reason", "appliance_full")).isEqualTo(2);
        }
        assertThat(harness.appliance.messaging().depth("hot")).isEqualTo(5);
        assertThat(harness.appliance.messaging().depth("other")).isEqualTo(3);
    }

    @Test
    void messagesWaitingForTheStore_beyondTheirCap_are503_andCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        harness = new ApplianceHarness(dir, "message-store-pending-max", "1");
        harness.messageStore = real -> (MessageStore) Proxy.newProxyInstance(MessageStore.class.getClassLoader(),
                new Class<?>[]{MessageStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("enqueue")) {
                        holding.countDown();
                        release.await(20, TimeUnit.SECONDS);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        harness.start();
        token = harness.backendToken("billing");
        provision("dev-1");
        CompletableFuture<HttpResponse<byte[]>> first = harness.callAsync("POST", "/v1/devices/dev-1/messages", token,
                new byte[]{1});
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        HttpResponse<byte[]> second = post("dev-1", new byte[]{2});
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(body(second)).contains("\"error\":\"store_busy\"");
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(harness.counter("cm.messages.rejected", "reason", "store_busy")).isEqualTo(1);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
        assertThat(post("dev-1", new byte[]{3}).statusCode()).isEqualTo(202);
    }

    @Test
    void deviceThatDoesNotRead_getsAtMostItsWindowOfMsgs_theRestStaysInTheStore() throws Exception {
        start("message-window", "8");
        try (TestDevice d = new TestDevice(harness.devicePort(), 64 * 1024)) {
            d.connect("slow", harness.fleetToken("slow"));
            byte[] payload = new byte[64 * 1024];
            for (int i = 0; i < 40; i++) {
                assertThat(post("slow", payload).statusCode()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.counter("cm.messages.sent") == 8);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> harness.counter("cm.messages.sent") == 8);
            assertThat(harness.appliance.messaging().depth("slow")).isEqualTo(40);
            // Acknowledging lets the next window go.
            for (int seq = 1; seq <= 8; seq++) {
                assertThat(d.read(Msg.class).seq()).isEqualTo(seq);
            }
            d.send(new Ack(8));
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.counter("cm.messages.sent") == 16);
        }
    }

    @Test
    void rpcsToADeviceThatDoesNotRead_beyondItsPendingCap_are429_andCounted_othersStillAnswered() throws Exception {
        start("rpc-max-pending-per-device", "2", "rpc-timeout", "10s");
        try (TestDevice stalled = new TestDevice(harness.devicePort(), 16 * 1024);
             TestDevice other = harness.connect("other")) {
            stalled.connect("stalled", harness.fleetToken("stalled"), io.connmgr.protocol.message.Capabilities.RPC,
                    null);
            List<CompletableFuture<HttpResponse<byte[]>>> waiting = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                waiting.add(harness.callAsync("POST", "/v1/devices/stalled/rpc?method=echo", token, new byte[]{1}));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.gauge("cm.rpc.pending") == 2);
            HttpResponse<byte[]> third = harness.call("POST", "/v1/devices/stalled/rpc?method=echo", token,
                    new byte[]{1});
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(body(third)).contains("\"error\":\"too_many_calls\"");
            assertThat(harness.counter("cm.rpc.calls", "outcome", "busy")).isEqualTo(1);
            // Another device's calls are not affected by the stalled one's.
            other.send(new Msg(1, new byte[]{1}));
            assertThat(other.read(Ack.class).seq()).isEqualTo(1);
            assertThat(waiting).allSatisfy(f -> assertThat(f).isNotDone());
        }
    }

    @Test
    void deviceThatSendsButDoesNotRead_isNotReadEither_soItsRepliesDoNotPileUp() throws Exception {
        start("idle-after", "1h", "sleep-after", "2h");
        try (TestDevice d = new TestDevice(harness.devicePort(), 64 * 1024)) {
            d.connect("flooder", harness.fleetToken("flooder"));
            long before = bufferedBytes();
            long offered = 64L * 1024 * 1024; // 16 M PINGs: unbounded, their PONGs alone would take over a GiB
            byte[] pings = new byte[64 * 1024];
            byte[] ping = Wire.ping();
            for (int i = 0; i < pings.length; i += ping.length) {
                System.arraycopy(ping, 0, pings, i, ping.length);
            }
            AtomicLong written = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    while (written.get() < offered) {
                        d.sendRaw(pings);
                        written.addAndGet(pings.length);
                    }
                } catch (IOException ignored) {
                    // closed by the test
                }
            });
            // The appliance's own count of PONGs written: it stops growing (for 2 s) once the link is unwritable,
            // far below the 16 M PINGs offered (the kernel's buffers on either side hold a few million at most).
            await().atMost(Duration.ofSeconds(60)).until(() -> answered() > 100_000);
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> answered() == last.getAndSet(answered()));
            assertThat(last.get()).isLessThan(offered / Wire.ping().length / 3);
            assertThat(written.get()).isLessThan(offered);
            assertThat(bufferedBytes() - before).isLessThan(BackpressureStreamsTest.MEMORY_BOUND);
            d.close();
            writer.join(Duration.ofSeconds(10));
        }
        // Other devices are still served.
        try (TestDevice other = harness.connect("other")) {
            other.send(new Msg(1, new byte[]{1}));
            assertThat(other.read(Ack.class).seq()).isEqualTo(1);
        }
    }

    private long answered() {
        return (long) harness.total("cm.keepalives.answered");
    }

    @Test
    void uplinkFlood_whileTheWebhookIsBehind_pausesTheDevice_insteadOfDroppingItsMessages() throws Exception {
        CountDownLatch webhookStalled = new CountDownLatch(1);
        AtomicInteger received = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            try {
                webhookStalled.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getRequestBody().readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        int total = 3000;
        try {
            start("webhook-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                    // Room past the pause point (three quarters) for what one read and the journal's in-flight
                    // messages carry: the pause must come before the bound, where messages would be refused.
                    "webhook-backlog", "2000");
            try (TestDevice d = harness.connect("chatty")) {
                AtomicLong acked = new AtomicLong();
                Thread reader = Thread.ofVirtual().start(() -> {
                    try {
                        while (acked.get() < total) {
                            acked.set(d.read(Ack.class).seq());
                        }
                    } catch (IOException | AssertionError ignored) {
                        // the test ends
                    }
                });
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        for (int seq = 1; seq <= total; seq++) {
                            d.send(new Msg(seq, new byte[1024]));
                        }
                    } catch (IOException ignored) {
                        // the test ends
                    }
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> harness.counter("cm.uplink.paused") > 0);
                long stalledAt = BackpressureStreamsTest.plateau(acked::get);
                assertThat(stalledAt).isLessThan(total);
                assertThat(harness.counter("cm.uplink.refused", "reason", "journal_full")).isZero();
                webhookStalled.countDown();
                await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() == total);
                await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == total);
                assertThat(harness.counter("cm.uplink.refused", "reason", "journal_full")).isZero();
                writer.join(Duration.ofSeconds(5));
                reader.join(Duration.ofSeconds(5));
            }
        } finally {
            webhookStalled.countDown();
            server.stop(0);
        }
    }
}
