package io.connmgr.appliance.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Meters of the downlink message queues. */
final class MessagingMetrics {
    final Counter queued;
    final Counter duplicates;
    final Counter delivered;
    final Counter expired;
    final Counter rejectedQueueFull;
    final Counter rejectedTooLarge;
    final Counter sent;
    final AtomicLong depth = new AtomicLong();

    MessagingMetrics(MeterRegistry registry) {
        queued = Counter.builder("cm.messages.queued").description("Downlink messages accepted (202)")
                .register(registry);
        duplicates = Counter.builder("cm.messages.duplicates")
                .description("Downlink messages answered from an idempotency key instead of queued again")
                .register(registry);
        delivered = Counter.builder("cm.messages.delivered")
                .description("Downlink messages acknowledged by their device").register(registry);
        expired = Counter.builder("cm.messages.expired")
                .description("Downlink messages whose TTL ran out before they were sent").register(registry);
        rejectedQueueFull = Counter.builder("cm.messages.rejected").tag("reason", "queue_full")
                .description("Downlink messages refused").register(registry);
        rejectedTooLarge = Counter.builder("cm.messages.rejected").tag("reason", "too_large")
                .description("Downlink messages refused").register(registry);
        sent = Counter.builder("cm.messages.sent").description("Downlink MSG frames written, resends included")
                .register(registry);
        Gauge.builder("cm.messages.queue.depth", depth, AtomicLong::get)
                .description("Downlink messages queued on this appliance, all devices").register(registry);
    }
}
