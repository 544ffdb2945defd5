package io.connmgr.appliance.messaging;

import io.connmgr.appliance.messaging.MessagingService.Enqueued;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The appliance-wide limits on downlink messages, on top of each device's queue limit: messages queued in all
 * ({@code message-queue-max-total}) and messages accepted but still in memory waiting for their fsync
 * ({@code message-store-pending-max}). A message beyond either is refused with an explicit answer and counted, never
 * held.
 */
final class MessageCaps {
    private final AtomicLong queued;
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter refusedTotal;
    private final Counter refusedPending;
    private volatile long totalMax = Long.MAX_VALUE;
    private volatile int pendingMax = Integer.MAX_VALUE;

    /** @param queued the messages stored now, all devices */
    MessageCaps(AtomicLong queued, MeterRegistry registry) {
        this.queued = queued;
        refusedTotal = Counter.builder("cm.messages.rejected").tag("reason", "appliance_full")
                .description("Downlink messages refused").register(registry);
        refusedPending = Counter.builder("cm.messages.rejected").tag("reason", "store_busy")
                .description("Downlink messages refused").register(registry);
        Gauge.builder("cm.messages.store.pending", pending, AtomicInteger::get)
                .description("Downlink messages accepted and waiting for their fsync").register(registry);
    }

    void limit(long total, int pendingWrites) {
        this.totalMax = total;
        this.pendingMax = pendingWrites;
    }

    /** Takes a place for one message, or returns why there is none (nothing taken then). */
    Enqueued.Overloaded admit() {
        int now = pending.incrementAndGet();
        if (now > pendingMax) {
            pending.decrementAndGet();
            refusedPending.increment();
            return new Enqueued.Overloaded(Enqueued.Overloaded.Limit.STORE_BUSY, now - 1, pendingMax);
        }
        long total = queued.get() + now;
        if (total > totalMax) {
            pending.decrementAndGet();
            refusedTotal.increment();
            return new Enqueued.Overloaded(Enqueued.Overloaded.Limit.APPLIANCE_FULL, total - 1, totalMax);
        }
        return null;
    }

    /** The message admitted was stored (and counted in the queued total) or refused. */
    void release() {
        pending.decrementAndGet();
    }
}
