package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.store.serial.MessageRecordSerializer;
import io.connmgr.appliance.store.serial.RecordFormatException;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link MessageStore} on the families messages, message_status and message_keys of a {@link RocksDbStore}. */
final class RocksDbMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksDbMessageStore.class);

    private final RocksDbStore store;
    private final MessageRecordSerializer serializer = new MessageRecordSerializer();

    RocksDbMessageStore(RocksDbStore store) {
        this.store = store;
    }

    @Override
    public QueueMeta meta(String deviceId) {
        byte[] key = MessageKeys.meta(deviceId);
        byte[] value = store.guarded("reading a queue meta", () -> store.get(ColumnFamily.MESSAGES, key));
        return value == null ? QueueMeta.EMPTY : serializer.meta(deviceId, value);
    }

    @Override
    public Optional<IdempotencyRecord> idempotencyKey(String deviceId, String key) {
        byte[] k = MessageKeys.named(deviceId, key);
        byte[] value = store.guarded("reading an idempotency key", () -> store.get(ColumnFamily.MESSAGE_KEYS, k));
        return Optional.ofNullable(value).map(serializer::idempotency);
    }

    @Override
    public void enqueue(List<Enqueue> entries) {
        if (entries.isEmpty()) {
            return;
        }
        store.guarded("enqueueing messages", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (Enqueue e : entries) {
                    QueuedMessage message = e.message();
                    String id = message.deviceId();
                    batch.put(store.handle(ColumnFamily.MESSAGES), MessageKeys.entry(id, message.position()),
                            serializer.queued(message));
                    batch.put(store.handle(ColumnFamily.MESSAGES), MessageKeys.meta(id), serializer.meta(e.meta()));
                    batch.put(store.handle(ColumnFamily.MESSAGE_STATUS), MessageKeys.named(id, message.messageId()),
                            serializer.status(e.status()));
                    if (e.idempotencyKey() != null) {
                        batch.put(store.handle(ColumnFamily.MESSAGE_KEYS), MessageKeys.named(id, e.idempotencyKey()),
                                serializer.idempotency(e.idempotency()));
                    }
                }
                store.commit(store.tuning().syncedWrite, batch, ColumnFamily.MESSAGES, entries.size() * 2);
            }
            return null;
        });
    }

    @Override
    public List<QueuedMessage> queued(String deviceId, long after, int limit) {
        byte[] prefix = MessageKeys.prefix(deviceId);
        byte[] start = MessageKeys.entry(deviceId, after + 1);
        List<QueuedMessage> out = new ArrayList<>(Math.min(limit, 64));
        store.guarded("reading a message queue", () -> {
            try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.MESSAGES))) {
                int positionings = 0;
                for (it.seek(start); it.isValid() && out.size() < limit; it.next()) {
                    positionings++;
                    byte[] key = it.key();
                    if (!MessageKeys.startsWith(key, prefix)) {
                        break;
                    }
                    try {
                        out.add(serializer.queued(deviceId, MessageKeys.position(key), it.value()));
                    } catch (RecordFormatException e) {
                        store.metrics().corruptRecord(ColumnFamily.MESSAGES);
                        LOG.warn("skipping an unreadable queued message: {}", e.getMessage());
                    }
                }
                it.status();
                store.metrics().read(ColumnFamily.MESSAGES, positionings + 1);
            }
            return null;
        });
        return out;
    }

    @Override
    public void assign(String deviceId, List<QueuedMessage> messages, QueueMeta meta) {
        store.guarded("assigning message sequence numbers", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (QueuedMessage m : messages) {
                    batch.put(store.handle(ColumnFamily.MESSAGES), MessageKeys.entry(deviceId, m.position()),
                            serializer.queued(m));
                }
                batch.put(store.handle(ColumnFamily.MESSAGES), MessageKeys.meta(deviceId), serializer.meta(meta));
                store.commit(store.tuning().walWrite, batch, ColumnFamily.MESSAGES, messages.size() + 1);
            }
            return null;
        });
    }

    @Override
    public void finish(String deviceId, List<QueuedMessage> removed, List<MessageStatus> statuses, QueueMeta meta) {
        store.guarded("finishing messages", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (QueuedMessage m : removed) {
                    batch.delete(store.handle(ColumnFamily.MESSAGES), MessageKeys.entry(deviceId, m.position()));
                }
                for (MessageStatus s : statuses) {
                    batch.put(store.handle(ColumnFamily.MESSAGE_STATUS), MessageKeys.named(deviceId, s.messageId()),
                            serializer.status(s));
                }
                batch.put(store.handle(ColumnFamily.MESSAGES), MessageKeys.meta(deviceId), serializer.meta(meta));
                store.commit(store.tuning().walWrite, batch, ColumnFamily.MESSAGES, removed.size() + 1);
            }
            return null;
        });
    }

    @Override
    public Optional<MessageStatus> status(String deviceId, String messageId) {
        byte[] key = MessageKeys.named(deviceId, messageId);
        byte[] value = store.guarded("reading a message status", () -> store.get(ColumnFamily.MESSAGE_STATUS, key));
        return Optional.ofNullable(value).map(v -> serializer.status(deviceId, messageId, v));
    }

    @Override
    public int prune(long finishedBefore, long now, int limit) {
        return store.guarded("pruning message records", () -> {
            int deleted = 0;
            int visited = 0;
            try (WriteBatch batch = new WriteBatch()) {
                try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.MESSAGE_STATUS),
                        store.tuning().scanRead)) {
                    for (it.seekToFirst(); it.isValid() && visited < limit; it.next(), visited++) {
                        byte[] key = it.key();
                        try {
                            MessageStatus s = serializer.status(MessageKeys.deviceId(key), MessageKeys.name(key),
                                    it.value());
                            if (s.state() != State.QUEUED && s.updatedAtMillis() < finishedBefore) {
                                batch.delete(store.handle(ColumnFamily.MESSAGE_STATUS), key);
                                deleted++;
                            }
                        } catch (RecordFormatException e) {
                            batch.delete(store.handle(ColumnFamily.MESSAGE_STATUS), key);
                            deleted++;
                        }
                    }
                    it.status();
                }
                try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.MESSAGE_KEYS),
                        store.tuning().scanRead)) {
                    for (it.seekToFirst(); it.isValid() && visited < limit; it.next(), visited++) {
                        try {
                            if (serializer.idempotency(it.value()).expiresAtMillis() < now) {
                                batch.delete(store.handle(ColumnFamily.MESSAGE_KEYS), it.key());
                                deleted++;
                            }
                        } catch (RecordFormatException e) {
                            batch.delete(store.handle(ColumnFamily.MESSAGE_KEYS), it.key());
                            deleted++;
                        }
                    }
                    it.status();
                }
                if (deleted > 0) {
                    store.commit(store.tuning().walWrite, batch, ColumnFamily.MESSAGE_STATUS, deleted);
                }
            }
            return deleted;
        });
    }

    @Override
    public List<String> devicesWithQueues(String after, int limit) {
        List<String> out = new ArrayList<>();
        store.guarded("listing message queues", () -> {
            try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.MESSAGES),
                    store.tuning().scanRead)) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(MessageKeys.past(after));
                }
                while (it.isValid() && out.size() < limit) {
                    String id = MessageKeys.deviceId(it.key());
                    if (MessageKeys.startsWith(it.key(), MessageKeys.prefix(id))) {
                        out.add(id);
                    }
                    it.seek(MessageKeys.past(id));
                }
                it.status();
            }
            return null;
        });
        return out;
    }
}
