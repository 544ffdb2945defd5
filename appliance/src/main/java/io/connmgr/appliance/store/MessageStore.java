package io.connmgr.appliance.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Durable per-device downlink queues, the status of each message and idempotency keys. Calls block on disk I/O.
 * Thread-safe, but read-modify-write sequences (meta, then queue) need a single writer: the messaging service runs all
 * of them on one thread.
 */
public interface MessageStore {

    /** Where a device's queue stands. */
    QueueMeta meta(String deviceId);

    /** The message an idempotency key named, if that key is still remembered. */
    Optional<IdempotencyRecord> idempotencyKey(String deviceId, String key);

    /**
     * Appends messages, each with its status record, its idempotency key (may be null) and its queue's new meta, in
     * one atomic write with fsync: when this returns, they survive a crash or power cut. Several messages share one
     * fsync (group commit); entries of one device are applied in order, so its last meta wins.
     */
    void enqueue(List<Enqueue> entries);

    /** {@link #enqueue(List)} of one message. */
    default void enqueue(QueuedMessage message, MessageStatus status, String idempotencyKey,
                         IdempotencyRecord idempotency, QueueMeta meta) {
        enqueue(List.of(new Enqueue(message, status, idempotencyKey, idempotency, meta)));
    }

    /** One message to append; {@code idempotencyKey} and {@code idempotency} may be null. */
    record Enqueue(QueuedMessage message, MessageStatus status, String idempotencyKey, IdempotencyRecord idempotency,
                   QueueMeta meta) {
    }

    /** Up to {@code limit} queued messages of the device in queue order, with position greater than {@code after}. */
    List<QueuedMessage> queued(String deviceId, long after, int limit);

    /** Rewrites queued messages (their sequence assignment) and the meta, atomically; write-ahead-logged. */
    void assign(String deviceId, List<QueuedMessage> messages, QueueMeta meta);

    /** Removes queued messages and records their final status and the new meta, atomically; write-ahead-logged. */
    void finish(String deviceId, List<QueuedMessage> removed, List<MessageStatus> statuses, QueueMeta meta);

    Optional<MessageStatus> status(String deviceId, String messageId);

    /**
     * Deletes finished status records updated before {@code finishedBefore} and idempotency keys expired before
     * {@code now}; visits at most {@code limit} records. Returns how many were deleted.
     */
    int prune(long finishedBefore, long now, int limit);

    /** Devices that have at least one queued message, in id order after {@code after} (null = from start). */
    List<String> devicesWithQueues(String after, int limit);

    /**
     * @param nextPosition position the next enqueued message gets
     * @param depth        messages in the queue
     * @param sessionTag   the session (a fingerprint of its resume token) whose numbering {@code lastSeq} belongs to
     * @param lastSeq      highest downlink MSG seq assigned in that session
     */
    record QueueMeta(long nextPosition, long depth, long sessionTag, long lastSeq) {
        public static final QueueMeta EMPTY = new QueueMeta(1, 0, 0, 0);
    }

    /**
     * @param expiresAtMillis 0 = never
     * @param sessionTag      session in which {@code seq} was assigned; meaningless while seq is 0
     * @param seq             the downlink MSG seq assigned to it, 0 while not yet sent
     */
    record QueuedMessage(String deviceId, long position, String messageId, long createdAtMillis, long expiresAtMillis,
                         long sessionTag, long seq, byte[] payload) {
        public QueuedMessage {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(payload, "payload");
        }

        public QueuedMessage assigned(long tag, long newSeq) {
            return new QueuedMessage(deviceId, position, messageId, createdAtMillis, expiresAtMillis, tag, newSeq,
                    payload);
        }

        public boolean expired(long nowMillis) {
            return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
        }
    }

    enum State { QUEUED, DELIVERED, EXPIRED }

    /** @param expiresAtMillis 0 = never */
    record MessageStatus(String deviceId, String messageId, State state, long createdAtMillis, long updatedAtMillis,
                         long expiresAtMillis, int size) {
        public MessageStatus finished(State newState, long nowMillis) {
            return new MessageStatus(deviceId, messageId, newState, createdAtMillis, nowMillis, expiresAtMillis, size);
        }
    }

    record IdempotencyRecord(String messageId, long expiresAtMillis) {
    }
}
