package io.connmgr.appliance.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.session.UplinkJournal;
import io.connmgr.appliance.session.UplinkSink;
import io.connmgr.appliance.store.StoreOptions;
import io.connmgr.appliance.store.rocksdb.RocksDbStore;
import io.connmgr.protocol.message.Msg;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WebhookForwarderTest {
    @TempDir
    Path dir;

    private HttpServer server(BlockingQueue<String[]> posts, AtomicInteger failFirst) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (failFirst.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            posts.add(new String[]{exchange.getRequestHeaders().getFirst("Content-Type"), new String(body,
                    java.nio.charset.StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void postsEachJournaledMessageAsJson_withTheDocumentedFields() throws Exception {
        BlockingQueue<String[]> posts = new ArrayBlockingQueue<>(4);
        HttpServer server = server(posts, new AtomicInteger());
        String deviceId = "dev-\"quoted\"-\u00e9-\uD83D\uDE00"; // a quote and non-ASCII are valid in an id
        byte[] payload = {0, 1, 2, (byte) 0xfb, (byte) 0xff, 'x'};
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        long before = System.currentTimeMillis();
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
             UplinkJournalWriter journal = new UplinkJournalWriter(store.uplinks(), UplinkSink.DISCARD,
                     TimeSource.SYSTEM, 100, new SimpleMeterRegistry());
             WebhookForwarder webhook = new WebhookForwarder(url, journal, 1, new SimpleMeterRegistry()).start()) {
            journal.journal(deviceId, 5, new Msg(7, payload)).get(10, TimeUnit.SECONDS);
            String[] post = posts.poll(10, TimeUnit.SECONDS);
            assertThat(post).isNotNull();
            assertThat(post[0]).isEqualTo("application/json");
            JsonNode json = new ObjectMapper().readTree(post[1]);
            assertThat(json.propertyStream().map(java.util.Map.Entry::getKey))
                    .containsExactly("position", "device_id", "seq", "payload", "received_at");
            assertThat(json.get("position").longValue()).isEqualTo(1);
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
    void aMessageTheWebhookHasNotTakenSurvivesARestart_andIsSentAfterIt() throws Exception {
        BlockingQueue<String[]> posts = new ArrayBlockingQueue<>(16);
        // Down at first: nothing listens on the URL's port until the second run.
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
             UplinkJournalWriter journal = new UplinkJournalWriter(store.uplinks(), UplinkSink.DISCARD,
                     TimeSource.SYSTEM, 100, new SimpleMeterRegistry());
             WebhookForwarder webhook = new WebhookForwarder(URI.create("http://127.0.0.1:9/none"), journal, 0,
                     new SimpleMeterRegistry())) {
            for (int i = 1; i <= 3; i++) {
                journal.journal("dev-1", 5, new Msg(i, new byte[]{(byte) i})).get(10, TimeUnit.SECONDS);
            }
        }
        HttpServer server = server(posts, new AtomicInteger(1)); // and its first answer is a 503
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
             UplinkJournalWriter journal = new UplinkJournalWriter(store.uplinks(), UplinkSink.DISCARD,
                     TimeSource.SYSTEM, 100, new SimpleMeterRegistry());
             WebhookForwarder webhook = new WebhookForwarder(url, journal, 0, new SimpleMeterRegistry()).start()) {
            List<Long> seqs = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 3; i++) {
                String[] post = posts.poll(10, TimeUnit.SECONDS);
                assertThat(post).isNotNull();
                seqs.add(new ObjectMapper().readTree(post[1]).get("seq").longValue());
            }
            assertThat(seqs).containsExactly(1L, 2L, 3L);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.uplinks().cursor(WebhookForwarder.CONSUMER) == 3);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aWebhookTooFarBehind_refusesNewMessages_insteadOfGrowingTheJournal() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
             UplinkJournalWriter journal = new UplinkJournalWriter(store.uplinks(), UplinkSink.DISCARD,
                     TimeSource.SYSTEM, 2, registry);
             // Not started: nothing takes from the journal.
             WebhookForwarder webhook = new WebhookForwarder(URI.create("http://127.0.0.1:9/none"), journal, 1,
                     registry)) {
            journal.journal("dev-1", 5, new Msg(1, new byte[]{1})).get(10, TimeUnit.SECONDS);
            journal.journal("dev-1", 5, new Msg(2, new byte[]{2})).get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> journal.journal("dev-1", 5, new Msg(3, new byte[]{3})).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UplinkJournal.Full.class);
            assertThat(registry.get("cm.webhook.backlog").gauge().value()).isEqualTo(2);
            assertThat(registry.get("cm.uplink.refused").tag("reason", "journal_full").counter().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void aResendOfAJournaledMessage_isJournaledOnce_andLiveSubscribersHearOfItOnce() throws Exception {
        List<Long> live = new CopyOnWriteArrayList<>();
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
             UplinkJournalWriter journal = new UplinkJournalWriter(store.uplinks(), (id, m) -> live.add(m.seq()),
                     TimeSource.SYSTEM, 100, new SimpleMeterRegistry())) {
            journal.journal("dev-1", 5, new Msg(1, new byte[]{1})).get(10, TimeUnit.SECONDS);
            journal.journal("dev-1", 5, new Msg(1, new byte[]{1})).get(10, TimeUnit.SECONDS);
            journal.journal("dev-1", 5, new Msg(2, new byte[]{2})).get(10, TimeUnit.SECONDS);
            // A new session numbers from 1 again: that is a new message, not a resend.
            journal.journal("dev-1", 6, new Msg(1, new byte[]{3})).get(10, TimeUnit.SECONDS);
            assertThat(store.uplinks().read(0, 10)).extracting(e -> e.payload()[0])
                    .containsExactly((byte) 1, (byte) 2, (byte) 3);
            assertThat(live).containsExactly(1L, 2L, 1L);
            assertThat(store.uplinks().lastSeq("dev-1").inSession(6)).isEqualTo(1);
            assertThat(store.uplinks().lastSeq("dev-1").inSession(5)).isZero();
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
