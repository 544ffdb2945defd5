package io.connmgr.appliance.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Stops reading from devices whose uplink messages the appliance cannot take yet (the uplink journal's durable
 * consumer, the webhook, is near the journal's bound), instead of refusing them: the device's unacknowledged MSGs wait
 * in its own memory and the kernel's socket buffers, and TCP slows it down. Paused links are read again as soon as the
 * consumer caught up; one timer per gate checks, whatever the number of paused links.
 */
public final class UplinkGate {
    /** How often a paused gate looks whether its subscribers caught up. */
    static final long RECHECK_MILLIS = 10;

    private final BooleanSupplier behind;
    private final Queue<Channel> paused = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean checking = new AtomicBoolean();
    private final Counter pauses;

    public UplinkGate(BooleanSupplier behind, MeterRegistry registry) {
        this.behind = behind;
        this.pauses = Counter.builder("cm.uplink.paused")
                .description("Times a device link stopped being read because uplink subscribers were behind")
                .register(registry);
    }

    /**
     * After a read that carried uplink messages, on the link's event loop: when the subscribers are behind, stops
     * reading {@code link} until they catch up and returns true.
     */
    public boolean holdIfBehind(Channel link) {
        if (!behind.getAsBoolean()) {
            return false;
        }
        link.config().setAutoRead(false);
        paused.add(link);
        pauses.increment();
        recheckLater(link.eventLoop());
        return true;
    }

    private void recheckLater(EventLoop loop) {
        if (checking.compareAndSet(false, true)) {
            loop.schedule(() -> recheck(loop), RECHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void recheck(EventLoop loop) {
        if (behind.getAsBoolean()) {
            loop.schedule(() -> recheck(loop), RECHECK_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        checking.set(false);
        Channel link;
        while ((link = paused.poll()) != null) {
            Channel ch = link;
            ch.eventLoop().execute(() -> {
                // An unwritable link stays paused: its writability change resumes it (ActiveLinkHandler).
                if (ch.isActive() && ch.isWritable()) {
                    ch.config().setAutoRead(true);
                }
            });
        }
        if (!paused.isEmpty()) {
            recheckLater(loop); // paused while this check emptied the queue
        }
    }
}
