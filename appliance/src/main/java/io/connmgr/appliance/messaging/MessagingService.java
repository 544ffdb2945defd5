package io.connmgr.appliance.messaging;

import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.config.MessagingConfig;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.store.MessageStore.IdempotencyRecord;
import io.connmgr.appliance.store.MessageStore.MessageStatus;
import io.connmgr.appliance.store.MessageStore.QueueMeta;
import io.connmgr.appliance.store.MessageStore.QueuedMessage;
import io.connmgr.appliance.store.MessageStore.State;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.message.Msg;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Store-and-forward of downlink messages from back-end servers to devices.
 *
 * <p><b>Accepting.</b> {@link #enqueue} completes only once the message, its status record and its idempotency key
 * are in the store with fsync: a 202 promises the message survives a crash or power cut of the appliance. Each device
 * has a bounded queue; a full one refuses, it never drops.
 *
 * <p><b>Sending.</b> While a device is awake, its queue is sent as MSG frames with consecutive downlink sequence
 * numbers, at most {@code message-window} unacknowledged at a time. A number is written to the queued message (and
 * the last one to the queue's meta record, with the session it belongs to) before the frame goes out, so that after a
 * reconnect, a wake from SLEEP or an appliance restart, a resumed session gets the unacknowledged messages again with
 * their original numbers (protocol section 6.7) and a new session numbers them afresh from 1. A message leaves the
 * queue only when the device's cumulative ACK covers it; its status becomes delivered. A message whose TTL ran out
 * before it was first sent is not sent; its status becomes expired.
 *
 * <p><b>Threads.</b> Every store access runs on one thread of its own (messages that arrive while an fsync is under
 * way are stored together with the next one), so the read-modify-write of a queue's meta
 * record needs no locks; sending runs on the device's event loop (the {@link Outbox}).
 */
public final class MessagingService implements SessionObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessagingService.class);
    private static final int SWEEP_PAGE = 256;
    /** Messages stored with one fsync at most. */
    private static final int MAX_GROUP_COMMIT = 256;

    private final MessagingConfig config;
    private final int maxPayload;
    private final MessageStore store;
    private final ConnectionManager manager;
    private final TimeSource time;
    private final MessagingMetrics metrics;
    private final MessageCaps caps;
    private final ExecutorService writer;
    /** Devices with a non-empty queue and its depth; changed only on the writer thread. */
    private final Map<String, Long> depths = new ConcurrentHashMap<>();
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final java.util.Queue<EnqueueRequest> enqueueRequests = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean drainQueued =
            new java.util.concurrent.atomic.AtomicBoolean();

    public MessagingService(MessagingConfig config, int maxFrameSize, MessageStore store, ConnectionManager manager,
                            TimeSource time, MeterRegistry registry) {
        this.config = config;
        this.maxPayload = maxFrameSize - 8;
        this.store = store;
        this.manager = manager;
        this.time = time;
        this.metrics = new MessagingMetrics(registry);
        this.caps = new MessageCaps(metrics.depth, registry);
        this.writer = Executors.newSingleThreadExecutor(new DefaultThreadFactory("message-store", true));
    }

    /** Counts what the store holds, so that depths and the queue-depth gauge are right from the start. */
    public void recover() {
        String cursor = null;
        long total = 0;
        while (true) {
            List<String> ids = store.devicesWithQueues(cursor, SWEEP_PAGE);
            for (String id : ids) {
                long depth = store.meta(id).depth();
                if (depth > 0) {
                    depths.put(id, depth);
                    total += depth;
                }
            }
            if (ids.size() < SWEEP_PAGE) {
                break;
            }
            cursor = ids.getLast();
        }
        metrics.depth.set(total);
        if (total > 0) {
            log.info("{} downlink messages queued for {} devices", total, depths.size());
        }
    }

    // ---------------------------------------------------------------- accepting

    /** What became of a message handed to {@link #enqueue}. */
    public sealed interface Enqueued {
        /** @param duplicate the idempotency key named an earlier message, which is returned instead */
        record Accepted(String messageId, boolean duplicate) implements Enqueued {
        }

        record QueueFull(long depth, int max) implements Enqueued {
        }

        /** The payload does not fit in one MSG; nothing was stored. */
        record TooLarge(String reason) implements Enqueued {
        }

        /** An appliance-wide limit ({@link MessageCaps}) is reached; nothing was stored. */
        record Overloaded(Limit limit, long count, long max) implements Enqueued {
            public enum Limit {
                /** message-queue-max-total: the appliance holds as many queued messages as it may. */
                APPLIANCE_FULL,
                /** message-store-pending-max: too many messages wait for the store's next fsync. */
                STORE_BUSY
            }
        }
    }

    /** Sets the appliance-wide limits (message-queue-max-total, message-store-pending-max); before messages arrive. */
    public void limitTotals(long queuedMax, int pendingWritesMax) {
        caps.limit(queuedMax, pendingWritesMax);
    }

    /**
     * Queues a message. Completes once it is durably stored (or was refused); fails with the store's exception.
     * Messages arriving together share one fsync.
     *
     * @param ttlMillis      lifetime; 0 = the configured default
     * @param idempotencyKey may be null
     */
    public CompletableFuture<Enqueued> enqueue(String deviceId, byte[] payload, long ttlMillis, String idempotencyKey) {
        if (payload.length > maxPayload) {
            metrics.rejectedTooLarge.increment();
            return CompletableFuture.completedFuture(new Enqueued.TooLarge(
                    "a message payload is at most " + maxPayload + " bytes (max-frame-size - 8)"));
        }
        Enqueued.Overloaded overloaded = caps.admit();
        if (overloaded != null) {
            return CompletableFuture.completedFuture(overloaded);
        }
        EnqueueRequest request = new EnqueueRequest(deviceId, payload, ttlMillis, idempotencyKey,
                new CompletableFuture<>());
        request.done().whenComplete((result, error) -> caps.release());
        enqueueRequests.add(request);
        scheduleDrain();
        return request.done().whenComplete((result, error) -> {
            if (result instanceof Enqueued.Accepted a && !a.duplicate()) {
                deliverSoon(deviceId);
            }
        });
    }

    private record EnqueueRequest(String deviceId, byte[] payload, long ttlMillis, String idempotencyKey,
                                  CompletableFuture<Enqueued> done) {
    }

    private void scheduleDrain() {
        if (drainQueued.compareAndSet(false, true)) {
            try {
                writer.execute(this::drainEnqueues);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drainQueued.set(false);
                EnqueueRequest r;
                while ((r = enqueueRequests.poll()) != null) {
                    r.done().completeExceptionally(e);
                }
            }
        }
    }

    /** Takes the waiting requests and stores them with one fsync (group commit). Writer thread. */
    private void drainEnqueues() {
        drainQueued.set(false);
        List<EnqueueRequest> group = new ArrayList<>();
        EnqueueRequest r;
        while (group.size() < MAX_GROUP_COMMIT && (r = enqueueRequests.poll()) != null) {
            group.add(r);
        }
        if (!enqueueRequests.isEmpty()) {
            scheduleDrain();
        }
        long now = time.currentTimeMillis();
        Map<String, QueueMeta> metas = new java.util.HashMap<>();
        Map<String, String> keysInGroup = new java.util.HashMap<>();
        List<MessageStore.Enqueue> writes = new ArrayList<>();
        List<Runnable> completions = new ArrayList<>();
        try {
            for (EnqueueRequest q : group) {
                decide(q, now, metas, keysInGroup, writes, completions);
            }
            store.enqueue(writes);
        } catch (RuntimeException e) {
            log.warn("storing {} downlink messages failed: {}", group.size(), e.toString());
            group.forEach(q -> q.done().completeExceptionally(e));
            return;
        }
        for (MessageStore.Enqueue w : writes) {
            depth(w.message().deviceId(), w.meta().depth(), 1);
            metrics.queued.increment();
        }
        completions.forEach(Runnable::run);
    }

    private void decide(EnqueueRequest q, long now, Map<String, QueueMeta> metas, Map<String, String> keysInGroup,
                        List<MessageStore.Enqueue> writes, List<Runnable> completions) {
        String deviceId = q.deviceId();
        String groupKey = q.idempotencyKey() == null ? null : deviceId + '\0' + q.idempotencyKey();
        if (groupKey != null) {
            String earlierInGroup = keysInGroup.get(groupKey);
            Optional<IdempotencyRecord> earlier = store.idempotencyKey(deviceId, q.idempotencyKey());
            String duplicateOf = earlierInGroup != null ? earlierInGroup
                    : earlier.isPresent() && earlier.get().expiresAtMillis() > now ? earlier.get().messageId() : null;
            if (duplicateOf != null) {
                metrics.duplicates.increment();
                completions.add(() -> q.done().complete(new Enqueued.Accepted(duplicateOf, true)));
                return;
            }
        }
        QueueMeta meta = metas.computeIfAbsent(deviceId, store::meta);
        if (meta.depth() >= config.queueMax()) {
            metrics.rejectedQueueFull.increment();
            long depth = meta.depth();
            completions.add(() -> q.done().complete(new Enqueued.QueueFull(depth, config.queueMax())));
            return;
        }
        long ttl = q.ttlMillis() > 0 ? q.ttlMillis() : config.defaultTtl().toMillis();
        long expires = ttl > 0 ? now + ttl : 0;
        String messageId = newMessageId();
        QueuedMessage message = new QueuedMessage(deviceId, meta.nextPosition(), messageId, now, expires, 0, 0,
                q.payload());
        MessageStatus status = new MessageStatus(deviceId, messageId, State.QUEUED, now, now, expires,
                q.payload().length);
        IdempotencyRecord key = q.idempotencyKey() == null ? null : new IdempotencyRecord(messageId,
                now + (ttl > 0 ? ttl : config.statusRetention().toMillis()));
        QueueMeta next = new QueueMeta(meta.nextPosition() + 1, meta.depth() + 1, meta.sessionTag(), meta.lastSeq());
        metas.put(deviceId, next);
        if (groupKey != null) {
            keysInGroup.put(groupKey, messageId);
        }
        writes.add(new MessageStore.Enqueue(message, status, q.idempotencyKey(), key, next));
        completions.add(() -> q.done().complete(new Enqueued.Accepted(messageId, false)));
    }

    private static String newMessageId() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(SecretFiles.randomBytes(12));
    }

    /** Records a queue's new depth. Writer thread. */
    private void depth(String deviceId, long depth, long delta) {
        if (depth <= 0) {
            depths.remove(deviceId);
        } else {
            depths.put(deviceId, depth);
        }
        metrics.depth.addAndGet(delta);
    }

    /** Starts sending a freshly queued message: at once when the device is awake, after waking it when it sleeps. */
    private void deliverSoon(String deviceId) {
        Optional<DeviceSession> awake = manager.awakeSession(deviceId);
        if (awake.isPresent()) {
            DeviceSession s = awake.get();
            s.channel().eventLoop().execute(() -> {
                Outbox o = outboxFor(s);
                if (o != null) {
                    pump(o);
                } else if (manager.awakeSession(deviceId).orElse(null) != s) {
                    // It went to sleep (or reconnected) after it was looked up, with this message not sent: the
                    // next wake would bring it, but nothing may be about to wake it.
                    deliverSoon(deviceId);
                }
            });
        } else {
            // A sleeping device (or one on its way to sleep) is woken: the wake installs the session and calls
            // awake(), which sends the queue. For a disconnected device this is a cheap no-op.
            manager.wake(deviceId, TierCause.SERVER_REQUEST);
        }
    }

    // ---------------------------------------------------------------- status

    /** A message's status as the API shows it. */
    public record StatusView(String messageId, String status, long createdAtMillis, long updatedAtMillis,
                             long expiresAtMillis, int size) {
    }

    /** The status of a message, while it is retained. Blocks on a store read: call off the event loops. */
    public Optional<StatusView> status(String deviceId, String messageId) {
        long now = time.currentTimeMillis();
        return store.status(deviceId, messageId).map(s -> {
            String state = switch (s.state()) {
                case QUEUED -> s.expiresAtMillis() != 0 && now >= s.expiresAtMillis() ? "expired" : "queued";
                case DELIVERED -> "delivered";
                case EXPIRED -> "expired";
            };
            return new StatusView(s.messageId(), state, s.createdAtMillis(), s.updatedAtMillis(),
                    s.expiresAtMillis(), s.size());
        });
    }

    /** Queued messages of a device. */
    public long depth(String deviceId) {
        return depths.getOrDefault(deviceId, 0L);
    }

    // ---------------------------------------------------------------- sending (event loop of the session)

    @Override
    public void awake(DeviceSession session, int deviceCapabilities) {
        if (depths.containsKey(session.deviceId())) {
            Outbox o = outboxFor(session);
            if (o != null) {
                pump(o);
            }
        }
    }

    /** Queued messages being read from the store for the session are about to be written to it. */
    @Override
    public boolean sending(DeviceSession session) {
        Outbox o = outboxes.get(session.deviceId());
        return o != null && o.session == session && !o.closed && o.loading;
    }

    @Override
    public void asleepOrGone(DeviceSession session, boolean disconnected) {
        Outbox o = outboxes.get(session.deviceId());
        if (o != null && o.session == session) {
            o.closed = true;
            outboxes.remove(session.deviceId(), o);
        }
    }

    @Override
    public void downlinkAcked(DeviceSession session, long seq) {
        Outbox o = outboxes.get(session.deviceId());
        if (o == null || o.session != session) {
            if (!depths.containsKey(session.deviceId())) {
                return;
            }
            o = outboxFor(session);
            if (o == null) {
                return;
            }
        }
        while (!o.inFlightSeqs.isEmpty() && o.inFlightSeqs.peekFirst() <= seq) {
            o.inFlightSeqs.pollFirst();
        }
        Outbox outbox = o;
        CompletableFuture.supplyAsync(() -> ackNow(session.deviceId(), outbox.sessionTag, seq), writer)
                .whenCompleteAsync((removed, error) -> {
                    if (error != null) {
                        log.warn("device {}: recording delivered messages failed: {}", session.deviceId(),
                                error.toString());
                    }
                    pump(outbox);
                }, session.channel().eventLoop());
    }

    /** The outbox of the device's current awake session, created on first use; null when the session is not it. */
    private Outbox outboxFor(DeviceSession s) {
        if (s.closing() || manager.awakeSession(s.deviceId()).orElse(null) != s) {
            return null;
        }
        Outbox o = outboxes.get(s.deviceId());
        if (o != null && o.session == s) {
            return o;
        }
        if (o != null) {
            o.closed = true;
        }
        Outbox fresh = new Outbox(s, s.sessionTag());
        outboxes.put(s.deviceId(), fresh);
        return fresh;
    }

    /** Sends what the window allows. Event loop; the store part runs on the writer and comes back here. */
    private void pump(Outbox o) {
        if (o.closed) {
            return;
        }
        if (o.loading) {
            o.again = true;
            return;
        }
        int room = config.window() - o.inFlightSeqs.size();
        if (room <= 0 || !depths.containsKey(o.session.deviceId())) {
            return;
        }
        o.loading = true;
        o.again = false;
        DeviceSession s = o.session;
        long after = o.lastLoadedPosition;
        long sessionSeq = s.lastDownlinkSeq();
        Channel ch = s.channel();
        CompletableFuture.supplyAsync(() -> loadNow(s.deviceId(), o.sessionTag, after, room, sessionSeq), writer)
                .whenCompleteAsync((batch, error) -> {
                    o.loading = false;
                    if (o.closed) {
                        return;
                    }
                    if (error != null) {
                        log.warn("device {}: loading queued messages failed, retrying in 1s: {}", s.deviceId(),
                                error.toString());
                        ch.eventLoop().schedule(() -> pump(o), 1, TimeUnit.SECONDS);
                        return;
                    }
                    send(o, batch);
                    if (batch.full() || o.again) {
                        pump(o);
                    }
                }, ch.eventLoop());
    }

    private void send(Outbox o, Batch batch) {
        o.lastLoadedPosition = Math.max(o.lastLoadedPosition, batch.lastPosition());
        if (batch.toSend().isEmpty()) {
            return;
        }
        DeviceSession s = o.session;
        Channel ch = s.channel();
        if (!ch.isActive()) {
            return;
        }
        if (s.tier() == Tier.IDLE) {
            manager.toActive(s, TierCause.SERVER_REQUEST, null); // IDLE has no frame encoder
        }
        for (QueuedMessage m : batch.toSend()) {
            s.lastDownlinkSeq(Math.max(s.lastDownlinkSeq(), m.seq()));
            o.inFlightSeqs.addLast(m.seq());
            ch.write(new Msg(m.seq(), m.payload()));
            metrics.sent.increment();
        }
        ch.flush();
    }

    /**
     * @param toSend       messages to write, in sequence order
     * @param lastPosition the last queue position looked at (expired ones included)
     * @param full         the load stopped at its limit: there may be more
     */
    private record Batch(List<QueuedMessage> toSend, long lastPosition, boolean full) {
    }

    /** Loads the next messages, drops expired ones and numbers the rest for this session. Writer thread. */
    private Batch loadNow(String deviceId, long tag, long after, int room, long sessionLastSeq) {
        long now = time.currentTimeMillis();
        QueueMeta meta = store.meta(deviceId);
        long lastSeq = Math.max(sessionLastSeq, meta.sessionTag() == tag ? meta.lastSeq() : 0);
        List<QueuedMessage> loaded = store.queued(deviceId, after, room);
        List<QueuedMessage> toSend = new ArrayList<>(loaded.size());
        List<QueuedMessage> assigned = new ArrayList<>();
        List<QueuedMessage> expired = new ArrayList<>();
        for (QueuedMessage m : loaded) {
            if (m.seq() != 0 && m.sessionTag() == tag) {
                toSend.add(m); // sent before in this session: again, with its number
            } else if (m.expired(now)) {
                expired.add(m);
            } else {
                QueuedMessage numbered = m.assigned(tag, ++lastSeq);
                assigned.add(numbered);
                toSend.add(numbered);
            }
        }
        QueueMeta current = meta;
        if (!expired.isEmpty()) {
            current = expire(deviceId, current, expired, now);
        }
        if (!assigned.isEmpty()) {
            current = new QueueMeta(current.nextPosition(), current.depth(), tag, lastSeq);
            store.assign(deviceId, assigned, current);
        }
        long lastPosition = loaded.isEmpty() ? after : loaded.getLast().position();
        return new Batch(toSend, lastPosition, loaded.size() == room);
    }

    private QueueMeta expire(String deviceId, QueueMeta meta, List<QueuedMessage> expired, long now) {
        List<MessageStatus> statuses = new ArrayList<>(expired.size());
        for (QueuedMessage m : expired) {
            statuses.add(new MessageStatus(deviceId, m.messageId(), State.EXPIRED, m.createdAtMillis(), now,
                    m.expiresAtMillis(), m.payload().length));
        }
        QueueMeta next = new QueueMeta(meta.nextPosition(), Math.max(0, meta.depth() - expired.size()),
                meta.sessionTag(), meta.lastSeq());
        store.finish(deviceId, expired, statuses, next);
        depth(deviceId, next.depth(), -(meta.depth() - next.depth()));
        metrics.expired.increment(expired.size());
        return next;
    }

    /** Removes the messages the cumulative ACK covers and marks them delivered. Writer thread. */
    private int ackNow(String deviceId, long tag, long seq) {
        int removedTotal = 0;
        while (true) {
            List<QueuedMessage> head = store.queued(deviceId, 0, config.window() + 1);
            List<QueuedMessage> acked = new ArrayList<>();
            for (QueuedMessage m : head) {
                if (m.seq() == 0 || m.sessionTag() != tag || m.seq() > seq) {
                    break;
                }
                acked.add(m);
            }
            if (acked.isEmpty()) {
                return removedTotal;
            }
            long now = time.currentTimeMillis();
            QueueMeta meta = store.meta(deviceId);
            List<MessageStatus> statuses = new ArrayList<>(acked.size());
            for (QueuedMessage m : acked) {
                statuses.add(new MessageStatus(deviceId, m.messageId(), State.DELIVERED, m.createdAtMillis(), now,
                        m.expiresAtMillis(), m.payload().length));
            }
            QueueMeta next = new QueueMeta(meta.nextPosition(), Math.max(0, meta.depth() - acked.size()),
                    meta.sessionTag(), meta.lastSeq());
            store.finish(deviceId, acked, statuses, next);
            depth(deviceId, next.depth(), -(meta.depth() - next.depth()));
            metrics.delivered.increment(acked.size());
            removedTotal += acked.size();
            if (acked.size() < head.size() || head.size() < config.window() + 1) {
                return removedTotal;
            }
        }
    }

    // ---------------------------------------------------------------- housekeeping

    /** Expires queued messages whose TTL ran out while unsent, and prunes old status records and keys. */
    public CompletableFuture<Void> sweep() {
        return CompletableFuture.runAsync(this::sweepNow, writer);
    }

    private void sweepNow() {
        long now = time.currentTimeMillis();
        String cursor = null;
        while (true) {
            List<String> ids = store.devicesWithQueues(cursor, SWEEP_PAGE);
            for (String id : ids) {
                QueueMeta meta = store.meta(id);
                List<QueuedMessage> expired = new ArrayList<>();
                for (QueuedMessage m : store.queued(id, 0, config.queueMax())) {
                    boolean inFlight = m.seq() != 0 && m.sessionTag() == meta.sessionTag();
                    if (!inFlight && m.expired(now)) {
                        expired.add(m);
                    }
                }
                if (!expired.isEmpty()) {
                    expire(id, meta, expired, now);
                }
            }
            if (ids.size() < SWEEP_PAGE) {
                break;
            }
            cursor = ids.getLast();
        }
        int pruned = store.prune(now - config.statusRetention().toMillis(), now, 1_000_000);
        if (pruned > 0) {
            log.debug("pruned {} message status records and idempotency keys", pruned);
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.shutdownNow();
        }
    }
}
