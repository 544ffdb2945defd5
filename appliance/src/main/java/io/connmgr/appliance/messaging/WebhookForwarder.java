package io.connmgr.appliance.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.connmgr.appliance.session.UplinkSink;
import io.connmgr.protocol.message.Msg;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * POSTs each uplink message to {@code webhook-url} as JSON:
 * {@code {"device_id":"…","seq":7,"payload":"<base64>","received_at":"2026-…Z"}}, one at a time and in order, with
 * exponential backoff (100 ms doubling to 30 s) on connection errors, 408, 429 and 5xx, up to
 * {@code webhook-max-attempts}. Messages wait in a bounded in-memory backlog; when it is full a new message is dropped
 * and counted ({@code cm.webhook.dropped{reason=backlog_full}}), never buffered without limit.
 *
 * <p>The backlog is memory: the device's ACK does not wait for the webhook, and messages still in the backlog are lost
 * if the appliance stops. See docs/messaging.md, "What an uplink ACK promises".
 */
public final class WebhookForwarder implements UplinkSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookForwarder.class);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private final URI url;
    private final int maxAttempts;
    private final BlockingQueue<Item> backlog;
    private final int backlogCapacity;
    private final HttpClient http;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread sender;
    private final Counter delivered;
    private final Counter droppedFull;
    private final Counter droppedFailed;

    private record Item(String deviceId, long seq, byte[] payload, long receivedAtMillis) {
    }

    public WebhookForwarder(URI url, int backlog, int maxAttempts, MeterRegistry registry) {
        this.url = url;
        this.maxAttempts = maxAttempts;
        this.backlog = new ArrayBlockingQueue<>(backlog);
        this.backlogCapacity = backlog;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        delivered = Counter.builder("cm.webhook.delivered").description("Uplink messages the webhook accepted (2xx)")
                .register(registry);
        droppedFull = Counter.builder("cm.webhook.dropped").tag("reason", "backlog_full")
                .description("Uplink messages not sent to the webhook").register(registry);
        droppedFailed = Counter.builder("cm.webhook.dropped").tag("reason", "failed")
                .description("Uplink messages not sent to the webhook").register(registry);
        io.micrometer.core.instrument.Gauge.builder("cm.webhook.backlog", this.backlog, BlockingQueue::size)
                .description("Uplink messages waiting for the webhook").register(registry);
        sender = Thread.ofPlatform().daemon().name("webhook-sender").unstarted(this::run);
    }

    public WebhookForwarder start() {
        sender.start();
        return this;
    }

    @Override
    public void accept(String deviceId, Msg msg) {
        if (!backlog.offer(new Item(deviceId, msg.seq(), msg.payload(), System.currentTimeMillis()))) {
            droppedFull.increment();
            double n = droppedFull.count();
            if (n == 1 || n % 1000 == 0) {
                log.warn("webhook backlog full ({} messages): dropped a message from {} ({} dropped so far)",
                        backlog.size(), deviceId, (long) n);
            }
        }
    }

    /**
     * Behind once the backlog is three quarters full: devices are paused (UplinkGate) before it fills, so a message is
     * dropped for a full backlog only when one read of the paused links carries more than the last quarter.
     */
    @Override
    public boolean behind() {
        return backlog.remainingCapacity() * 4 < backlogCapacity;
    }

    private void run() {
        while (closed.getCount() > 0) {
            Item item;
            try {
                item = backlog.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (item != null && !deliver(item)) {
                return;
            }
        }
    }

    /** False when closed meanwhile. */
    private boolean deliver(Item item) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json(item))).build();
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
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
        droppedFailed.increment();
        return true;
    }

    /** The body's fields, in the order documented above; Jackson writes the payload as standard base64. */
    private record Body(String deviceId, long seq, byte[] payload, String receivedAt) {
    }

    private static byte[] json(Item item) {
        try {
            return JSON.writeValueAsBytes(new Body(item.deviceId(), item.seq(), item.payload(),
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
