package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.BackendRecord;
import io.connmgr.appliance.store.BackendStore;
import io.connmgr.appliance.store.serial.MessageRecordSerializer;
import io.connmgr.appliance.store.serial.RecordFormatException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link BackendStore} on the families backends (UTF-8 name → record) and backend_tokens (32-byte token hash → UTF-8
 * name). Every write is one fsync'ed batch over both, so the index never points at a token that is not current.
 * Writes are serialised by a lock: a replace reads the old hash to drop its index entry.
 */
final class RocksDbBackendStore implements BackendStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksDbBackendStore.class);

    private final RocksDbStore store;
    private final MessageRecordSerializer serializer = new MessageRecordSerializer();

    RocksDbBackendStore(RocksDbStore store) {
        this.store = store;
    }

    @Override
    public Optional<BackendRecord> load(String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        byte[] value = store.guarded("reading a back-end", () -> store.get(ColumnFamily.BACKENDS, key));
        return Optional.ofNullable(value).map(v -> serializer.backend(name, v));
    }

    @Override
    public synchronized void put(BackendRecord backend) {
        byte[] key = backend.name().getBytes(StandardCharsets.UTF_8);
        Optional<BackendRecord> previous = load(backend.name());
        store.guarded("writing a back-end", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                previous.ifPresent(p -> delete(batch, p.tokenHash()));
                batch.put(store.handle(ColumnFamily.BACKENDS), key, serializer.backend(backend));
                batch.put(store.handle(ColumnFamily.BACKEND_TOKENS), backend.tokenHash(), key);
                store.commit(store.tuning().syncedWrite, batch, ColumnFamily.BACKENDS, 2);
            }
            return null;
        });
    }

    @Override
    public synchronized boolean delete(String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        Optional<BackendRecord> previous = load(name);
        if (previous.isEmpty()) {
            return false;
        }
        store.guarded("deleting a back-end", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                delete(batch, previous.get().tokenHash());
                batch.delete(store.handle(ColumnFamily.BACKENDS), key);
                store.commit(store.tuning().syncedWrite, batch, ColumnFamily.BACKENDS, 2);
            }
            return null;
        });
        return true;
    }

    private void delete(WriteBatch batch, byte[] tokenHash) {
        try {
            batch.delete(store.handle(ColumnFamily.BACKEND_TOKENS), tokenHash);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<BackendRecord> list() {
        List<BackendRecord> out = new ArrayList<>();
        store.guarded("listing back-ends", () -> {
            try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.BACKENDS))) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    String name = new String(it.key(), StandardCharsets.UTF_8);
                    try {
                        out.add(serializer.backend(name, it.value()));
                    } catch (RecordFormatException e) {
                        store.metrics().corruptRecord(ColumnFamily.BACKENDS);
                        LOG.warn("skipping an unreadable back-end record: {}", e.getMessage());
                    }
                }
                it.status();
            }
            return null;
        });
        return out;
    }

    @Override
    public Optional<String> nameForTokenHash(byte[] tokenHash) {
        byte[] value = store.guarded("reading the back-end token index",
                () -> store.get(ColumnFamily.BACKEND_TOKENS, tokenHash));
        return Optional.ofNullable(value).map(v -> new String(v, StandardCharsets.UTF_8));
    }
}
