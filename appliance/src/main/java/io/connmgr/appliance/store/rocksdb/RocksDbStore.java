package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.BackendStore;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.ReachabilityRecord;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import io.connmgr.appliance.store.StoreOptions;
import io.connmgr.appliance.store.UplinkStore;
import io.connmgr.appliance.store.serial.DeviceRecordSerializer;
import io.connmgr.appliance.store.serial.DeviceSettingsSerializer;
import io.connmgr.appliance.store.serial.ReachabilityRecordSerializer;
import io.connmgr.appliance.store.serial.RecordFormatException;
import io.connmgr.appliance.store.serial.SessionRecordSerializer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ApplianceStore} on RocksDB: one column family per record type, keyed by the device id's UTF-8 bytes, plus
 * the device-key index (family session_keys), written in the same batch as the session it points to.
 *
 * <p>Every call holds a read lock on the store's lifecycle and {@link #close()} takes the write lock, so a call
 * racing with close fails with {@link StoreException.Kind#CLOSED} instead of touching freed native memory.
 */
public final class RocksDbStore implements ApplianceStore {

    private static final Logger LOG = LoggerFactory.getLogger(RocksDbStore.class);
    private static final int SESSION_LOCK_STRIPES = 64;

    private final Path dir;
    private final RocksDB db;
    private final StoreTuning tuning;
    /** Every handle opened, including the unused default family and any family of a newer build. */
    private final List<ColumnFamilyHandle> allHandles;
    private final Map<ColumnFamily, ColumnFamilyHandle> handles;
    private final StoreMetrics metrics;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;
    /**
     * Serialise the read-then-write of a device's session and index entry (save, delete), so that two racing writes
     * of one device cannot both miss the other's index entry. Striped: devices rarely contend, and a delete of a
     * device waits for its fsync while holding the stripe.
     */
    private final Lock[] sessionLocks = new Lock[SESSION_LOCK_STRIPES];

    private final SessionRecordSerializer sessionSerializer = new SessionRecordSerializer();
    private final DeviceRecordSerializer deviceSerializer = new DeviceRecordSerializer();
    private final DeviceSettingsSerializer settingsSerializer = new DeviceSettingsSerializer();
    private final ReachabilityRecordSerializer reachabilitySerializer = new ReachabilityRecordSerializer();
    private final RocksDbMessageStore messages = new RocksDbMessageStore(this);
    private final RocksDbBackendStore backends = new RocksDbBackendStore(this);
    private final RocksDbUplinkStore uplinks = new RocksDbUplinkStore(this);
    private final StoreWriteHealth health;

    private RocksDbStore(Path dir, RocksDB db, StoreTuning tuning, List<String> familyNames,
            List<ColumnFamilyHandle> allHandles, StoreMetrics metrics) {
        this.dir = dir;
        this.db = db;
        this.tuning = tuning;
        this.allHandles = List.copyOf(allHandles);
        this.metrics = metrics;
        this.health = new StoreWriteHealth(dir, metrics.registry());
        this.handles = new EnumMap<>(ColumnFamily.class);
        for (ColumnFamily cf : ColumnFamily.values()) {
            handles.put(cf, allHandles.get(familyNames.indexOf(cf.cfName())));
        }
        for (int i = 0; i < sessionLocks.length; i++) {
            sessionLocks[i] = new ReentrantLock();
        }
    }

    /**
     * Opens or creates the store in {@code dir}.
     *
     * @throws StoreException LOCKED when another process (or another open in this one) uses the directory;
     *                        CORRUPT when it is damaged and {@link StoreOptions#moveAsideIfCorrupt()} is off;
     *                        INCOMPATIBLE when a newer build wrote it; IO otherwise
     */
    public static RocksDbStore open(Path dir, StoreOptions options, MeterRegistry metrics) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(metrics, "metrics");
        RocksDB.loadLibrary();
        StoreMetrics storeMetrics = new StoreMetrics(metrics);
        try {
            return openOnce(dir, options, storeMetrics);
        } catch (StoreException e) {
            if (e.kind() != Kind.CORRUPT || !options.moveAsideIfCorrupt()) {
                throw e;
            }
            Path movedTo = CorruptStoreMover.moveAside(dir, Instant.now());
            LOG.warn("Store {} is corrupt; moved it aside to {} and starting with an empty store. The damage: {}",
                    dir, movedTo, e.getMessage().replace(": " + RocksDbErrors.MOVE_ASIDE_HINT, ""));
            return openOnce(dir, options, storeMetrics);
        }
    }

    private static RocksDbStore openOnce(Path dir, StoreOptions options, StoreMetrics metrics) {
        prepareDirectory(dir);
        StoreTuning tuning = new StoreTuning(options);
        List<ColumnFamilyHandle> openedHandles = new ArrayList<>();
        RocksDB db = null;
        boolean opened = false;
        try {
            boolean existing = Files.exists(dir.resolve("CURRENT"));
            List<String> familyNames = familiesToOpen(dir, existing);
            if (existing) {
                checkBeforeOpening(dir, tuning, metrics);
            }
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>(familyNames.size());
            for (String name : familyNames) {
                descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8),
                        tuning.forFamily(name)));
            }
            db = RocksDB.open(tuning.dbOptions, dir.toString(), descriptors, openedHandles);
            RocksDbStore store = new RocksDbStore(dir, db, tuning, familyNames, openedHandles, metrics);
            StoreSchema.initializeOrCheck(db, store.handles.get(ColumnFamily.META), existing, tuning.syncedWrite, dir,
                    metrics);
            if (existing) {
                store.indexUnindexedSessions();
            }
            if (options.moveAsideIfCorrupt()) {
                // Opening checks the MANIFEST and file sizes, but a damaged data block shows only when read (for
                // example by the start-up pass over the sessions, whose error sends the operator here). In recovery
                // mode, read every block once so that such damage is found now, while moving aside is possible.
                db.verifyChecksum();
            }
            opened = true;
            LOG.info("Opened store {} (schema version {}, about {} sessions and {} devices)", dir,
                    StoreSchema.CURRENT_VERSION, store.estimatedKeys(ColumnFamily.SESSIONS),
                    store.estimatedKeys(ColumnFamily.DEVICES));
            return store;
        } catch (RocksDBException e) {
            throw RocksDbErrors.onOpen(dir, e);
        } finally {
            if (!opened) {
                openedHandles.forEach(ColumnFamilyHandle::close);
                if (db != null) {
                    db.close();
                }
                tuning.close();
            }
        }
    }

    private static void prepareDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            // Without CURRENT, RocksDB would silently create a new, empty database among the old files.
            if (!Files.exists(dir.resolve("CURRENT")) && containsDatabaseFiles(dir)) {
                throw new StoreException(Kind.CORRUPT, "Store " + dir + " is corrupt (its CURRENT file is missing "
                        + "but database files remain): " + RocksDbErrors.MOVE_ASIDE_HINT);
            }
        } catch (IOException e) {
            throw new StoreException(Kind.IO, "Cannot use store directory " + dir + ": " + e, e);
        }
    }

    private static boolean containsDatabaseFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(n -> n.startsWith("MANIFEST-") || n.endsWith(".sst") || n.endsWith(".log"));
        }
    }

    private static void checkBeforeOpening(Path dir, StoreTuning tuning, StoreMetrics metrics)
            throws RocksDBException {
        try {
            StoreSchema.checkExisting(dir, tuning, metrics);
        } catch (RocksDBException e) {
            if (RocksDbErrors.kindOf(e) != Kind.IO) {
                throw e;
            }
            // This check runs before RocksDB takes the lock, so a plain I/O error may come from reading a store that
            // another appliance is changing. The read/write open that follows takes the lock and answers for sure:
            // LOCKED, or the same I/O error; and the schema is checked again once it is open.
            LOG.debug("Store {}: read-only check failed ({}); letting the locking open decide", dir, e.getMessage());
        }
    }

    /** Ours plus any the directory already has: RocksDB refuses to open a store without all of its families. */
    private static List<String> familiesToOpen(Path dir, boolean existing) throws RocksDBException {
        Set<String> names = new LinkedHashSet<>();
        names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
        for (ColumnFamily cf : ColumnFamily.values()) {
            names.add(cf.cfName());
        }
        if (existing) {
            try (Options listOptions = new Options()) {
                for (byte[] family : RocksDB.listColumnFamilies(listOptions, dir.toString())) {
                    names.add(new String(family, StandardCharsets.UTF_8));
                }
            }
        }
        return List.copyOf(names);
    }

    // ---- sessions

    @Override
    public Optional<SessionRecord> loadSession(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = guarded("reading a session", () -> get(ColumnFamily.SESSIONS, key));
        return Optional.ofNullable(value).map(v -> sessionSerializer.deserialize(deviceId, v));
    }

    @Override
    public void saveSession(SessionRecord session) {
        byte[] key = DeviceIdKeys.encode(session.deviceId());
        byte[] value = sessionSerializer.serialize(session);
        byte[] indexKey = SessionKeys.encode(session.deviceKey());
        guarded("writing a session", () -> underSessionLock(key, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                int indexWrites = 1;
                OptionalLong previousKey = storedDeviceKey(session.deviceId(), key);
                if (previousKey.isPresent() && previousKey.getAsLong() != session.deviceKey()) {
                    indexWrites += removeIndexEntryIfOwned(batch, previousKey.getAsLong(), key);
                }
                batch.put(handles.get(ColumnFamily.SESSIONS), key, value);
                // Written on every save, not only when the key is new: that repairs an entry another device took.
                batch.put(handles.get(ColumnFamily.SESSION_KEYS), indexKey, key);
                commit(tuning.walWrite, batch, ColumnFamily.SESSIONS, 1);
                metrics.wroteInBatch(ColumnFamily.SESSION_KEYS, indexWrites);
            }
            return null;
        }));
    }

    @Override
    public void deleteSession(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        guarded("deleting a session", () -> underSessionLock(key, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                int indexWrites = removeIndexEntryOfStoredSession(batch, deviceId, key);
                batch.delete(handles.get(ColumnFamily.SESSIONS), key);
                commit(tuning.walWrite, batch, ColumnFamily.SESSIONS, 1);
                metrics.wroteInBatch(ColumnFamily.SESSION_KEYS, indexWrites);
            }
            return null;
        }));
    }

    @Override
    public Optional<String> deviceIdForKey(long deviceKey) {
        byte[] indexKey = SessionKeys.encode(deviceKey);
        byte[] value = guarded("reading the device-key index", () -> get(ColumnFamily.SESSION_KEYS, indexKey));
        return Optional.ofNullable(value).map(DeviceIdKeys::decode);
    }

    @Override
    public List<SessionRecord> listSessions(String afterDeviceId, int limit) {
        List<SessionRecord> page = new ArrayList<>(initialPageCapacity(limit));
        scan(ColumnFamily.SESSIONS, afterDeviceId, limit, sessionSerializer::deserialize, page::add);
        return page;
    }

    @Override
    public void forEachSession(Consumer<SessionRecord> action) {
        Objects.requireNonNull(action, "action");
        scan(ColumnFamily.SESSIONS, null, Integer.MAX_VALUE, sessionSerializer::deserialize, action);
    }

    // ---- devices

    @Override
    public Optional<DeviceRecord> loadDevice(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = guarded("reading a device", () -> get(ColumnFamily.DEVICES, key));
        return Optional.ofNullable(value).map(v -> deviceSerializer.deserialize(deviceId, v));
    }

    @Override
    public void putDevice(DeviceRecord device) {
        byte[] key = DeviceIdKeys.encode(device.deviceId());
        byte[] value = deviceSerializer.serialize(device);
        guarded("writing a device", () -> put(ColumnFamily.DEVICES, tuning.syncedWrite, key, value));
    }

    @Override
    public boolean deleteDevice(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        return guarded("deleting a device", () -> underSessionLock(key, () -> {
            boolean existed = get(ColumnFamily.DEVICES, key) != null;
            // One atomic batch, so a crash cannot leave settings or a session behind without their credentials.
            try (WriteBatch batch = new WriteBatch()) {
                int indexWrites = removeIndexEntryOfStoredSession(batch, deviceId, key);
                batch.delete(handles.get(ColumnFamily.DEVICES), key);
                batch.delete(handles.get(ColumnFamily.SETTINGS), key);
                batch.delete(handles.get(ColumnFamily.REACHABILITY), key);
                batch.delete(handles.get(ColumnFamily.SESSIONS), key);
                commit(tuning.syncedWrite, batch, ColumnFamily.DEVICES, 1);
                metrics.wroteInBatch(ColumnFamily.SETTINGS, 1);
                metrics.wroteInBatch(ColumnFamily.REACHABILITY, 1);
                metrics.wroteInBatch(ColumnFamily.SESSIONS, 1);
                metrics.wroteInBatch(ColumnFamily.SESSION_KEYS, indexWrites);
            }
            return existed;
        }));
    }

    @Override
    public List<DeviceRecord> listDevices(String afterDeviceId, int limit) {
        List<DeviceRecord> page = new ArrayList<>(initialPageCapacity(limit));
        scan(ColumnFamily.DEVICES, afterDeviceId, limit, deviceSerializer::deserialize, page::add);
        return page;
    }

    // ---- settings

    @Override
    public Optional<DeviceSettings> loadSettings(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = guarded("reading settings", () -> get(ColumnFamily.SETTINGS, key));
        return Optional.ofNullable(value).map(v -> settingsSerializer.deserialize(deviceId, v));
    }

    @Override
    public void putSettings(String deviceId, DeviceSettings settings) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = settingsSerializer.serialize(Objects.requireNonNull(settings, "settings"));
        guarded("writing settings", () -> put(ColumnFamily.SETTINGS, tuning.syncedWrite, key, value));
    }

    // ---- reachability

    @Override
    public Optional<ReachabilityRecord> loadReachability(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        byte[] value = guarded("reading a reachability record", () -> get(ColumnFamily.REACHABILITY, key));
        return Optional.ofNullable(value).map(v -> reachabilitySerializer.deserialize(deviceId, v));
    }

    @Override
    public void putReachability(ReachabilityRecord record) {
        byte[] key = DeviceIdKeys.encode(record.deviceId());
        byte[] value = reachabilitySerializer.serialize(record);
        guarded("writing a reachability record", () -> put(ColumnFamily.REACHABILITY, tuning.walWrite, key, value));
    }

    @Override
    public void deleteReachability(String deviceId) {
        byte[] key = DeviceIdKeys.encode(deviceId);
        guarded("deleting a reachability record", () -> {
            long start = System.nanoTime();
            db.delete(handles.get(ColumnFamily.REACHABILITY), tuning.walWrite, key);
            metrics.wrote(ColumnFamily.REACHABILITY, 1, start);
            return null;
        });
    }

    @Override
    public void forEachReachability(Consumer<ReachabilityRecord> action) {
        scan(ColumnFamily.REACHABILITY, null, Integer.MAX_VALUE, reachabilitySerializer::deserialize, action);
    }

    // ---- messages and back-ends

    @Override
    public MessageStore messages() {
        return messages;
    }

    @Override
    public BackendStore backends() {
        return backends;
    }

    @Override
    public UplinkStore uplinks() {
        return uplinks;
    }

    ColumnFamilyHandle handle(ColumnFamily cf) {
        return handles.get(cf);
    }

    RocksDB db() {
        return db;
    }

    StoreTuning tuning() {
        return tuning;
    }

    StoreMetrics metrics() {
        return metrics;
    }

    // ---- lifecycle

    @Override
    public void flush() {
        guarded("flushing", () -> {
            db.flush(tuning.flushAndWait, allHandles);
            return null;
        });
    }

    @Override
    public void close() {
        Lock lock = lifecycle.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                db.flush(tuning.flushAndWait, allHandles);
            } catch (RocksDBException e) {
                // Not fatal: the write-ahead log still holds everything and is replayed on the next open.
                LOG.warn("Store {}: flush on close failed ({}); the write-ahead log will be replayed on next open",
                        dir, e.getMessage());
            }
            allHandles.forEach(ColumnFamilyHandle::close);
            try {
                db.closeE();
            } catch (RocksDBException e) {
                LOG.warn("Store {}: closing failed ({})", dir, e.getMessage());
            }
            tuning.close();
            LOG.info("Closed store {}", dir);
        } finally {
            lock.unlock();
        }
    }

    // ---- plumbing

    @FunctionalInterface
    interface DbCall<T> {
        T call() throws RocksDBException;
    }

    @FunctionalInterface
    private interface RecordDecoder<T> {
        T decode(String deviceId, byte[] value);
    }

    <T> T guarded(String action, DbCall<T> call) {
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            if (closed) {
                throw StoreException.closed();
            }
            return call.call();
        } catch (RocksDBException e) {
            StoreException failure = RocksDbErrors.during(action, dir, e);
            health.failed(failure);
            throw failure;
        } finally {
            lock.unlock();
        }
    }

    // ---- write health (readiness)

    private static final byte[] PROBE_KEY = "write-probe".getBytes(StandardCharsets.UTF_8);

    /**
     * Whether the store accepts writes. After a failure that stops writes (disk full, I/O, corruption) this is false
     * until a small synced probe write succeeds (tried at most once a second). A failed append to the write-ahead log
     * (the usual way a full disk shows) leaves RocksDB refusing writes until the store is reopened, so in practice
     * readiness comes back with a restart once space is free (docs/reliability.md).
     */
    public boolean writable() {
        return health.writable(() -> guarded("probing writes", () -> {
            db.put(handles.get(ColumnFamily.META), tuning.syncedWrite, PROBE_KEY, new byte[0]);
            return null;
        }));
    }

    private <T> T underSessionLock(byte[] deviceIdKey, DbCall<T> call) throws RocksDBException {
        Lock lock = sessionLocks[Math.floorMod(Arrays.hashCode(deviceIdKey), sessionLocks.length)];
        lock.lock();
        try {
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /** The device key of the device's stored session; empty when there is none or it cannot be decoded. */
    private OptionalLong storedDeviceKey(String deviceId, byte[] key) throws RocksDBException {
        byte[] value = get(ColumnFamily.SESSIONS, key);
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(sessionSerializer.deserialize(deviceId, value).deviceKey());
        } catch (RecordFormatException e) {
            // Overwriting or deleting the damaged record must still work. Its index entry, if any, cannot be found
            // and stays behind; it names this device, so a lookup by that key finds no session with it.
            metrics.corruptRecord(ColumnFamily.SESSIONS);
            LOG.warn("Store {}: replacing an unreadable session record: {}", dir, e.getMessage());
            return OptionalLong.empty();
        }
    }

    /** Adds to {@code batch} the removal of the stored session's index entry; returns the keys removed (0 or 1). */
    private int removeIndexEntryOfStoredSession(WriteBatch batch, String deviceId, byte[] key)
            throws RocksDBException {
        OptionalLong deviceKey = storedDeviceKey(deviceId, key);
        return deviceKey.isPresent() ? removeIndexEntryIfOwned(batch, deviceKey.getAsLong(), key) : 0;
    }

    /** Removes {@code deviceKey}'s index entry unless it names another device, which then owns the key. */
    private int removeIndexEntryIfOwned(WriteBatch batch, long deviceKey, byte[] deviceIdKey)
            throws RocksDBException {
        byte[] indexKey = SessionKeys.encode(deviceKey);
        if (!Arrays.equals(get(ColumnFamily.SESSION_KEYS, indexKey), deviceIdKey)) {
            return 0;
        }
        batch.delete(handles.get(ColumnFamily.SESSION_KEYS), indexKey);
        return 1;
    }

    /**
     * Builds the device-key index of a store whose sessions predate it. Every save writes a session and its index
     * entry in one batch, so an empty index beside stored sessions means this open has just created the family. The
     * entries go in one batch too: a crash leaves the index empty, and the next open builds it again.
     */
    private void indexUnindexedSessions() throws RocksDBException {
        if (!isEmpty(ColumnFamily.SESSION_KEYS) || isEmpty(ColumnFamily.SESSIONS)) {
            return;
        }
        int indexed = 0;
        int positionings = 0;
        try (WriteBatch batch = new WriteBatch();
                RocksIterator it = db.newIterator(handles.get(ColumnFamily.SESSIONS), tuning.scanRead)) {
            try {
                it.seekToFirst();
                positionings++;
                while (it.isValid()) {
                    SessionRecord session = decodeOrSkip(ColumnFamily.SESSIONS, DeviceIdKeys.decode(it.key()),
                            it.value(), sessionSerializer::deserialize);
                    if (session != null) {
                        batch.put(handles.get(ColumnFamily.SESSION_KEYS), SessionKeys.encode(session.deviceKey()),
                                it.key());
                        indexed++;
                    }
                    it.next();
                    positionings++;
                }
                it.status();
            } finally {
                metrics.read(ColumnFamily.SESSIONS, positionings);
            }
            commit(tuning.syncedWrite, batch, ColumnFamily.SESSION_KEYS, indexed);
        }
        LOG.info("Store {}: built the device-key index of {} stored sessions", dir, indexed);
    }

    private boolean isEmpty(ColumnFamily cf) throws RocksDBException {
        try (RocksIterator it = db.newIterator(handles.get(cf))) {
            it.seekToFirst();
            metrics.read(cf, 1);
            boolean empty = !it.isValid();
            it.status();
            return empty;
        }
    }

    void commit(WriteOptions writeOptions, WriteBatch batch, ColumnFamily timedAs, int keys)
            throws RocksDBException {
        long start = System.nanoTime();
        db.write(writeOptions, batch);
        metrics.wrote(timedAs, keys, start);
    }

    byte[] get(ColumnFamily cf, byte[] key) throws RocksDBException {
        try {
            return db.get(handles.get(cf), key);
        } finally {
            metrics.read(cf, 1);
        }
    }

    private Void put(ColumnFamily cf, WriteOptions writeOptions, byte[] key, byte[] value) throws RocksDBException {
        long start = System.nanoTime();
        db.put(handles.get(cf), writeOptions, key, value);
        metrics.wrote(cf, 1, start);
        return null;
    }

    /** Visits up to {@code limit} decodable records of {@code cf} after {@code afterDeviceId}, in key order. */
    private <T> void scan(ColumnFamily cf, String afterDeviceId, int limit, RecordDecoder<T> decoder,
            Consumer<? super T> visitor) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        byte[] after = afterDeviceId == null ? null : DeviceIdKeys.encode(afterDeviceId);
        guarded("reading " + cf.cfName(), () -> {
            int positionings = 0;
            try (RocksIterator it = db.newIterator(handles.get(cf), tuning.scanRead)) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(after);
                }
                positionings++;
                if (after != null && it.isValid() && Arrays.equals(it.key(), after)) {
                    it.next();
                    positionings++;
                }
                int visited = 0;
                while (visited < limit && it.isValid()) {
                    T record = decodeOrSkip(cf, DeviceIdKeys.decode(it.key()), it.value(), decoder);
                    if (record != null) {
                        visitor.accept(record);
                        visited++;
                    }
                    if (visited < limit) {
                        it.next();
                        positionings++;
                    }
                }
                it.status();
            } finally {
                metrics.read(cf, positionings);
            }
            return null;
        });
    }

    private <T> T decodeOrSkip(ColumnFamily cf, String deviceId, byte[] value, RecordDecoder<T> decoder) {
        try {
            return decoder.decode(deviceId, value);
        } catch (RecordFormatException e) {
            metrics.corruptRecord(cf);
            LOG.warn("Store {}: skipping unreadable record in {}: {}", dir, cf.cfName(), e.getMessage());
            return null;
        }
    }

    private static int initialPageCapacity(int limit) {
        return Math.clamp(limit, 0, 1024);
    }

    private String estimatedKeys(ColumnFamily cf) {
        try {
            return db.getProperty(handles.get(cf), "rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            return "?";
        }
    }
}
