package io.connmgr.appliance.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.connmgr.appliance.store.UplinkStore.StoredUplink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * POSTs each journaled uplink message to {@code webhook-url} as JSON:
 * {@code {"position":42,"device_id":"…","seq":7,"payload":"<base64>","received_at":"2026-…Z"}}, one at a time and in
 * journal order, with exponential backoff (100 ms doubling to 30 s) on connection errors, 408, 429 and 5xx, up to
 * {@code webhook-max-attempts} (0 = until it is taken).
 *
 * <p>It reads the uplink journal from its own cursor, which it commits after each 2xx, and the journal keeps every
 * message until the cursor has passed it: a message acknowledged to its device reaches the webhook even when the
 * appliance is killed meanwhile. A crash between a 2xx and the commit sends that message once more after the restart,
 * so delivery is at least once; {@code position} is unique per message, for receivers that must see each once.
 */
public final class WebhookForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookForwarder.class);
    static final String CONSUMER = "webhook";
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    private static final int READ_BATCH = 64;
    /** The journal is trimmed behind the cursor after this many deliveries. */
    private static final int TRIM_EVERY = 256;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private final URI url;
    private final int maxAttempts;
    private final UplinkJournalWriter journal;
    private final HttpClient http;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final java.util.concurrent.Semaphore appended = new java.util.concurrent.Semaphore(0);
    private final Thread sender;
    private final Counter delivered;
    private final Counter droppedRefused;
    private final Counter droppedFailed;
    private volatile long cursor;

    public WebhookForwarder(URI url, UplinkJournalWriter journal, int maxAttempts, MeterRegistry registry) {
        this.url = url;
        this.maxAttempts = maxAttempts;
        this.journal = journal;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.cursor = journal.store().cursor(CONSUMER);
        delivered = Counter.builder("cm.webhook.delivered").description("Uplink messages the webhook accepted (2xx)")
                .register(registry);
        droppedRefused = Counter.builder("cm.webhook.dropped").tag("reason", "refused")
                .description("Uplink messages not sent to the webhook").register(registry);
        droppedFailed = Counter.builder("cm.webhook.dropped").tag("reason", "failed")
                .description("Uplink messages not sent to the webhook").register(registry);
        io.micrometer.core.instrument.Gauge.builder("cm.webhook.backlog", this,
                        w -> Math.max(0, w.journal.lastPosition() - w.cursor))
                .description("Journaled uplink messages waiting for the webhook").register(registry);
        journal.attachDurableConsumer(() -> cursor, appended::release);
        sender = Thread.ofPlatform().daemon().name("webhook-sender").unstarted(this::run);
    }

    public WebhookForwarder start() {
        sender.start();
        return this;
    }

    private void run() {
        int sinceTrim = 0;
        while (closed.getCount() > 0) {
            List<StoredUplink> batch;
            try {
                batch = journal.store().read(cursor, READ_BATCH);
            } catch (RuntimeException e) {
                log.warn("webhook: reading the uplink journal failed, retrying: {}", e.toString());
                batch = List.of();
            }
            if (batch.isEmpty()) {
                try {
                    appended.drainPermits();
                    if (journal.lastPosition() <= cursor) {
                        appended.tryAcquire(1, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            for (StoredUplink item : batch) {
                if (!deliver(item)) {
                    return;
                }
                cursor = item.position();
                try {
                    journal.store().commitCursor(CONSUMER, cursor);
                } catch (RuntimeException e) {
                    log.warn("webhook: committing its cursor failed (the message may be sent again): {}",
                            e.toString());
                }
                if (++sinceTrim >= TRIM_EVERY) {
                    sinceTrim = 0;
                    journal.trim(cursor);
                }
            }
        }
    }

    /** False when closed meanwhile. */
    private boolean deliver(StoredUplink item) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json(item))).build();
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; maxAttempts == 0 || attempt <= maxAttempts; attempt++) {
            String failure;
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) {
                    delivered.increment();
                    return true;
                }
                failure = "HTTP " + status;
                if (status / 100 == 4 && status != 408 && status != 429) {
                    break; // the receiver refuses this message; retrying will not change its mind
                }
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (attempt == maxAttempts) {
                log.warn("webhook: giving up on a message from {} after {} attempts: {}", item.deviceId(), attempt,
                        failure);
                droppedFailed.increment();
                return true;
            }
            try {
                if (closed.await(backoff, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
        log.warn("webhook refused a message from {}; dropped", item.deviceId());
        droppedRefused.increment();
        return true;
    }

    /** The body's fields, in the order documented above; Jackson writes the payload as standard base64. */
    private record Body(long position, String deviceId, long seq, byte[] payload, String receivedAt) {
    }

    private static byte[] json(StoredUplink item) {
        try {
            return JSON.writeValueAsBytes(new Body(item.position(), item.deviceId(), item.seq(), item.payload(),
                    Instant.ofEpochMilli(item.receivedAtMillis()).toString()));
        } catch (JsonProcessingException e) {
            // A record of strings, a number and bytes always serializes; failing here is a programming error.
            throw new UncheckedIOException("cannot write webhook body", e);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        sender.interrupt();
        http.close();
    }
}
