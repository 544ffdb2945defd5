package io.connmgr.appliance.messaging;

import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.session.UplinkJournal;
import io.connmgr.appliance.session.UplinkSink;
import io.connmgr.appliance.store.UplinkStore;
import io.connmgr.appliance.store.UplinkStore.StoredUplink;
import io.connmgr.appliance.store.UplinkStore.Uplink;
import io.connmgr.protocol.message.Msg;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Journals uplink messages with fsync before their ACK, many per fsync (group commit), and then hands them to the
 * live subscribers (the {@link UplinkBus}: control channels, the embedding application). Durable consumers (the
 * webhook) read the journal from their own cursor; when there are none, the journal is trimmed as it goes.
 *
 * <p>All store access runs on one thread, which is what makes the store's resend check exact: a message a device
 * sends again (after a reconnect) is recognised by its session and seq and journaled once.
 */
public final class UplinkJournalWriter implements UplinkJournal, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UplinkJournalWriter.class);
    private static final int MAX_GROUP_COMMIT = 256;
    /** Without durable consumers, the journal is trimmed after this many appends. */
    private static final int TRIM_EVERY = 1024;

    private final UplinkStore store;
    private final UplinkSink live;
    private final TimeSource time;
    private final long maxLag;
    private final ExecutorService writer;
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final Counter journaled;
    private final Counter resends;
    private final Counter refusedFull;
    private volatile LongSupplier durableConsumerCursor;
    private volatile Runnable onAppended = () -> { };
    private volatile long lastPosition;
    private long appendsSinceTrim;

    private record Request(Uplink uplink, Msg msg, CompletableFuture<Void> done) {
    }

    /**
     * @param maxLag journaled messages a durable consumer may fall behind by; beyond it new messages are refused
     */
    public UplinkJournalWriter(UplinkStore store, UplinkSink live, TimeSource time, long maxLag,
                               MeterRegistry registry) {
        this.store = store;
        this.live = live;
        this.time = time;
        this.maxLag = maxLag;
        this.writer = Executors.newSingleThreadExecutor(new DefaultThreadFactory("uplink-journal", true));
        this.lastPosition = store.lastPosition();
        journaled = Counter.builder("cm.uplink.journaled").description("Uplink messages journaled before their ACK")
                .register(registry);
        resends = Counter.builder("cm.uplink.resends")
                .description("Uplink messages a device sent again that were journaled already (acknowledged again)")
                .register(registry);
        refusedFull = Counter.builder("cm.uplink.refused").tag("reason", "journal_full")
                .description("Uplink messages not acknowledged because durable consumers are too far behind")
                .register(registry);
        Gauge.builder("cm.uplink.journal.lag", this, UplinkJournalWriter::lag)
                .description("Journaled uplink messages a durable consumer (the webhook) has not taken yet")
                .register(registry);
    }

    /**
     * Makes the journal keep what {@code cursor} (a durable consumer's position) has not passed, and tells the
     * consumer about new entries through {@code appended}. One durable consumer: the webhook.
     */
    public void attachDurableConsumer(LongSupplier cursor, Runnable appended) {
        this.durableConsumerCursor = cursor;
        this.onAppended = appended;
    }

    public UplinkStore store() {
        return store;
    }

    /** The highest position journaled so far. */
    public long lastPosition() {
        return lastPosition;
    }

    /**
     * Behind once a durable consumer is three quarters of the way to the bound: links that send uplinks are paused
     * ({@link UplinkGate}) before new messages would have to be refused.
     */
    public boolean behind() {
        return durableConsumerCursor != null && lag() * 4 >= maxLag * 3;
    }

    private long lag() {
        LongSupplier cursor = durableConsumerCursor;
        return cursor == null ? 0 : Math.max(0, lastPosition - cursor.getAsLong());
    }

    @Override
    public CompletableFuture<Void> journal(String deviceId, long sessionTag, Msg msg) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (lag() >= maxLag) {
            refusedFull.increment();
            done.completeExceptionally(new Full("the uplink journal holds " + lag()
                    + " messages the webhook has not taken"));
            return done;
        }
        requests.add(new Request(new Uplink(deviceId, sessionTag, msg.seq(), time.currentTimeMillis(),
                msg.payload()), msg, done));
        scheduleDrain();
        return done;
    }

    private void scheduleDrain() {
        if (drainQueued.compareAndSet(false, true)) {
            try {
                writer.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainQueued.set(false);
                Request r;
                while ((r = requests.poll()) != null) {
                    r.done().completeExceptionally(e);
                }
            }
        }
    }

    /** Takes the waiting messages and journals them with one fsync. Writer thread. */
    private void drain() {
        drainQueued.set(false);
        List<Request> group = new ArrayList<>();
        Request r;
        while (group.size() < MAX_GROUP_COMMIT && (r = requests.poll()) != null) {
            group.add(r);
        }
        if (!requests.isEmpty()) {
            scheduleDrain();
        }
        List<Uplink> entries = new ArrayList<>(group.size());
        for (Request q : group) {
            entries.add(q.uplink());
        }
        List<StoredUplink> appended;
        try {
            appended = store.append(entries);
        } catch (RuntimeException e) {
            log.warn("journaling {} uplink messages failed: {}", group.size(), e.toString());
            group.forEach(q -> q.done().completeExceptionally(e));
            return;
        }
        if (!appended.isEmpty()) {
            lastPosition = appended.getLast().position();
        }
        journaled.increment(appended.size());
        resends.increment(group.size() - appended.size());
        // Live subscribers hear of a message once it is durable, so none learns of one a crash could take back.
        int next = 0;
        for (Request q : group) {
            if (next < appended.size() && appended.get(next).deviceId().equals(q.uplink().deviceId())
                    && appended.get(next).seq() == q.uplink().seq()) {
                next++;
                live.accept(q.uplink().deviceId(), q.msg());
            }
        }
        for (Request q : group) {
            q.done().complete(null);
        }
        onAppended.run();
        trimIfNoConsumer(appended.size());
    }

    private void trimIfNoConsumer(int appended) {
        if (durableConsumerCursor != null) {
            return;
        }
        appendsSinceTrim += appended;
        if (appendsSinceTrim >= TRIM_EVERY) {
            appendsSinceTrim = 0;
            trim(lastPosition);
        }
    }

    /** Deletes what every consumer has taken. Any thread. */
    public void trim(long upTo) {
        try {
            store.trim(upTo);
        } catch (RuntimeException e) {
            log.warn("trimming the uplink journal failed (retried later): {}", e.toString());
        }
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
