package io.connmgr.appliance.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.connmgr.protocol.message.Msg;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookForwarderTest {

    @Test
    void postsEachMessageAsJson_withTheDocumentedFields() throws Exception {
        BlockingQueue<String[]> posts = new ArrayBlockingQueue<>(4);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            posts.add(new String[]{exchange.getRequestHeaders().getFirst("Content-Type"), new String(body,
                    java.nio.charset.StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        String deviceId = "dev-\"quoted\"-\u00e9-\uD83D\uDE00"; // a quote and non-ASCII are valid in an id
        byte[] payload = {0, 1, 2, (byte) 0xfb, (byte) 0xff, 'x'};
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        long before = System.currentTimeMillis();
        try (WebhookForwarder webhook = new WebhookForwarder(url, 8, 1, new SimpleMeterRegistry()).start()) {
            webhook.accept(deviceId, new Msg(7, payload));
            String[] post = posts.poll(10, TimeUnit.SECONDS);
            assertThat(post).isNotNull();
            assertThat(post[0]).isEqualTo("application/json");
            assertThat(post[1]).startsWith("{\"device_id\":");
            JsonNode json = new ObjectMapper().readTree(post[1]);
            assertThat(json.propertyStream().map(java.util.Map.Entry::getKey))
                    .containsExactly("device_id", "seq", "payload", "received_at");
            assertThat(json.get("device_id").textValue()).isEqualTo(deviceId);
            assertThat(json.get("seq").longValue()).isEqualTo(7);
            assertThat(Base64.getDecoder().decode(json.get("payload").textValue())).isEqualTo(payload);
            Instant receivedAt = Instant.parse(json.get("received_at").textValue());
            assertThat(receivedAt.toEpochMilli()).isBetween(before, System.currentTimeMillis());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void fullBacklog_dropsAndCountsNewMessages_insteadOfGrowing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // Not started: nothing drains the backlog.
        try (WebhookForwarder webhook = new WebhookForwarder(URI.create("http://127.0.0.1:9/none"), 2, 1, registry)) {
            for (int i = 1; i <= 5; i++) {
                webhook.accept("dev-1", new Msg(i, new byte[]{(byte) i}));
            }
            assertThat(registry.get("cm.webhook.backlog").gauge().value()).isEqualTo(2);
            assertThat(registry.get("cm.webhook.dropped").tag("reason", "backlog_full").counter().count())
                    .isEqualTo(3);
        }
    }

    @Test
    void uplinkBus_fansOut_andOneFailingSubscriberDoesNotStopTheOthers() throws Exception {
        UplinkBus bus = new UplinkBus();
        java.util.List<Long> seen = new java.util.ArrayList<>();
        bus.subscribe((id, msg) -> {
            throw new IllegalStateException("broken subscriber");
        });
        AutoCloseable handle = bus.subscribe((id, msg) -> seen.add(msg.seq()));
        bus.accept("dev-1", new Msg(1, new byte[0]));
        handle.close();
        bus.accept("dev-1", new Msg(2, new byte[0]));
        assertThat(seen).containsExactly(1L);
    }
}
