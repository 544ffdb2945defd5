package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.UplinkStore;
import io.connmgr.appliance.store.serial.RecordFormatException;
import io.connmgr.appliance.store.serial.UplinkRecordSerializer;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link UplinkStore} on the families uplinks (8-byte big-endian position → entry) and uplink_seqs (device id →
 * the device's highest journaled seq, plus consumer cursors under keys that cannot be device ids).
 */
final class RocksDbUplinkStore implements UplinkStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksDbUplinkStore.class);
    /** Device ids never contain '/' (docs/protocol.md 5.1), so cursor keys cannot collide with them. */
    private static final String CURSOR_PREFIX = "/cursor/";

    private final RocksDbStore store;
    private final UplinkRecordSerializer serializer = new UplinkRecordSerializer();
    /** Next position to assign; read from the journal's last key on first use, then kept by the single writer. */
    private long nextPosition = -1;

    RocksDbUplinkStore(RocksDbStore store) {
        this.store = store;
    }

    @Override
    public List<StoredUplink> append(List<Uplink> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        return store.guarded("journaling uplink messages", () -> {
            if (nextPosition < 0) {
                nextPosition = lastPositionNow() + 1;
            }
            Map<String, DeviceSeq> seqs = new HashMap<>();
            List<StoredUplink> appended = new ArrayList<>(entries.size());
            long position = nextPosition;
            try (WriteBatch batch = new WriteBatch()) {
                for (Uplink u : entries) {
                    DeviceSeq last = seqs.get(u.deviceId());
                    if (last == null) {
                        last = lastSeq(u.deviceId());
                    }
                    if (last.sessionTag() == u.sessionTag() && u.seq() <= last.seq()) {
                        continue; // a resend of a message already journaled
                    }
                    batch.put(store.handle(ColumnFamily.UPLINKS), positionKey(position), serializer.entry(u));
                    appended.add(new StoredUplink(position, u.deviceId(), u.seq(), u.receivedAtMillis(), u.payload()));
                    position++;
                    seqs.put(u.deviceId(), new DeviceSeq(u.sessionTag(), u.seq()));
                }
                for (Map.Entry<String, DeviceSeq> e : seqs.entrySet()) {
                    batch.put(store.handle(ColumnFamily.UPLINK_SEQS), DeviceIdKeys.encode(e.getKey()),
                            serializer.deviceSeq(e.getValue()));
                }
                store.commit(store.tuning().syncedWrite, batch, ColumnFamily.UPLINKS, appended.size() + seqs.size());
            }
            nextPosition = position;
            return appended;
        });
    }

    @Override
    public DeviceSeq lastSeq(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = store.guarded("reading an uplink seq", () -> store.get(ColumnFamily.UPLINK_SEQS, key));
        return value == null ? DeviceSeq.NONE : serializer.deviceSeq(deviceId, value);
    }

    @Override
    public List<StoredUplink> read(long after, int limit) {
        List<StoredUplink> out = new ArrayList<>(Math.min(limit, 256));
        store.guarded("reading the uplink journal", () -> {
            try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.UPLINKS))) {
                int positionings = 1;
                for (it.seek(positionKey(after + 1)); it.isValid() && out.size() < limit; it.next()) {
                    positionings++;
                    long position = ByteBuffer.wrap(it.key()).getLong();
                    try {
                        out.add(serializer.entry(position, it.value()));
                    } catch (RecordFormatException e) {
                        store.metrics().corruptRecord(ColumnFamily.UPLINKS);
                        LOG.warn("skipping an unreadable uplink journal entry: {}", e.getMessage());
                    }
                }
                it.status();
                store.metrics().read(ColumnFamily.UPLINKS, positionings);
            }
            return null;
        });
        return out;
    }

    @Override
    public long cursor(String consumer) {
        byte[] value = store.guarded("reading an uplink cursor",
                () -> store.get(ColumnFamily.UPLINK_SEQS, cursorKey(consumer)));
        return value == null ? 0 : serializer.cursor(consumer, value);
    }

    @Override
    public void commitCursor(String consumer, long position) {
        store.guarded("committing an uplink cursor", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(store.handle(ColumnFamily.UPLINK_SEQS), cursorKey(consumer), serializer.cursor(position));
                store.commit(store.tuning().walWrite, batch, ColumnFamily.UPLINK_SEQS, 1);
            }
            return null;
        });
    }

    @Override
    public void trim(long position) {
        store.guarded("trimming the uplink journal", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                batch.deleteRange(store.handle(ColumnFamily.UPLINKS), positionKey(0), positionKey(position + 1));
                store.commit(store.tuning().walWrite, batch, ColumnFamily.UPLINKS, 1);
            }
            return null;
        });
    }

    @Override
    public long lastPosition() {
        return store.guarded("reading the uplink journal's end", () -> {
            long last = lastPositionNow();
            // Trimmed to empty: the positions handed out survive in the writer's counter, not in the keys.
            return Math.max(last, nextPosition - 1);
        });
    }

    private long lastPositionNow() throws org.rocksdb.RocksDBException {
        try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.UPLINKS))) {
            it.seekToLast();
            store.metrics().read(ColumnFamily.UPLINKS, 1);
            long last = it.isValid() ? ByteBuffer.wrap(it.key()).getLong() : 0;
            it.status();
            // A journal trimmed to empty before a restart restarts its positions after the highest cursor, so a
            // consumer's cursor never points past new entries.
            return Math.max(last, highestCursor());
        }
    }

    private long highestCursor() throws org.rocksdb.RocksDBException {
        long highest = 0;
        byte[] prefix = CURSOR_PREFIX.getBytes(StandardCharsets.UTF_8);
        try (RocksIterator it = store.db().newIterator(store.handle(ColumnFamily.UPLINK_SEQS))) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                highest = Math.max(highest, serializer.cursor(new String(it.key(), StandardCharsets.UTF_8),
                        it.value()));
            }
            it.status();
        }
        return highest;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] positionKey(long position) {
        return ByteBuffer.allocate(Long.BYTES).putLong(position).array();
    }

    private static byte[] cursorKey(String consumer) {
        return (CURSOR_PREFIX + consumer).getBytes(StandardCharsets.UTF_8);
    }
}
