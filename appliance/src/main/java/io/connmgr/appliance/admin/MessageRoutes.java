package io.connmgr.appliance.admin;

import io.connmgr.appliance.messaging.MessagingService;
import io.connmgr.appliance.messaging.MessagingService.Enqueued;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Downlink messages: {@code POST /v1/devices/{id}/messages} answers 202 only once the message is durably stored;
 * {@code GET /v1/devices/{id}/messages/{mid}} reports its status.
 */
final class MessageRoutes {
    static final String TTL_HEADER = "X-Message-TTL";
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    private static final int MAX_KEY_LENGTH = 200;

    private final BackendApi api;
    private final MessagingService messaging;

    MessageRoutes(BackendApi api) {
        this.api = api;
        this.messaging = api.messaging();
    }

    CompletableFuture<AdminResponse> send(AdminRequest request) {
        String deviceId = request.deviceId();
        byte[] body = request.body();
        long ttlMillis = request.durationHeader(TTL_HEADER).map(Duration::toMillis).orElse(0L);
        if (request.header(TTL_HEADER).isPresent() && ttlMillis <= 0) {
            throw ApiException.badRequest(TTL_HEADER + " must be positive");
        }
        String key = request.header(IDEMPOTENCY_HEADER).orElse(null);
        if (key != null && (key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7F))) {
            throw ApiException.badRequest(IDEMPOTENCY_HEADER + " must be 1.." + MAX_KEY_LENGTH
                    + " printable ASCII characters without spaces");
        }
        api.requireKnown(deviceId);
        return messaging.enqueue(deviceId, body, ttlMillis, key).thenApply(result -> switch (result) {
            case Enqueued.Accepted a -> AdminResponse.json(HttpResponseStatus.ACCEPTED,
                            new Accepted(a.messageId(), a.duplicate()))
                    .withHeader(HttpHeaderNames.LOCATION.toString(),
                            "/v1/devices/" + request.rawPathVariables().get("id") + "/messages/" + a.messageId());
            case Enqueued.QueueFull full -> AdminResponse.error(HttpResponseStatus.TOO_MANY_REQUESTS, "queue_full",
                            "device '" + deviceId + "' has " + full.depth() + " queued messages, the limit is "
                                    + full.max() + "; retry once it has received some")
                    .withHeader("Retry-After", "10");
            case Enqueued.TooLarge t -> AdminResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "payload_too_large", t.reason());
            case Enqueued.Overloaded o -> overloaded(o);
        });
    }

    /** An appliance-wide limit: 507 when the appliance holds all the messages it may, 503 while the store catches up. */
    private static AdminResponse overloaded(Enqueued.Overloaded o) {
        return switch (o.limit()) {
            case APPLIANCE_FULL -> AdminResponse.error(HttpResponseStatus.INSUFFICIENT_STORAGE, "appliance_queue_full",
                    "the appliance holds " + o.count() + " queued messages, the limit (message-queue-max-total) is "
                            + o.max() + "; retry once devices have received some").withHeader("Retry-After", "10");
            case STORE_BUSY -> AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_busy",
                    o.count() + " messages are waiting to be stored, the limit (message-store-pending-max) is "
                            + o.max() + "; retry shortly").withHeader("Retry-After", "1");
        };
    }

    AdminResponse status(AdminRequest request) {
        String deviceId = request.deviceId();
        String messageId = request.pathVariable("mid");
        return messaging.status(deviceId, messageId)
                .map(s -> AdminResponse.json(HttpResponseStatus.OK, new Status(s.messageId(), deviceId, s.status(),
                        Instant.ofEpochMilli(s.createdAtMillis()).toString(),
                        Instant.ofEpochMilli(s.updatedAtMillis()).toString(),
                        s.expiresAtMillis() == 0 ? null : Instant.ofEpochMilli(s.expiresAtMillis()).toString(),
                        s.size())))
                .orElseThrow(() -> new ApiException(HttpResponseStatus.NOT_FOUND, "unknown_message",
                        "no message '" + AdminJson.truncate(messageId) + "' for device '" + deviceId
                                + "' (unknown, or its status is past retention)"));
    }

    record Accepted(String messageId, boolean duplicate) {
    }

    record Status(String messageId, String deviceId, String status, String createdAt, String updatedAt,
                  String expiresAt, int size) {
    }
}
