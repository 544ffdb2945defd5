package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;

/**
 * The schema version kept in the meta column family: the layout of families, keys and record formats as a whole.
 * A store written by a newer build is refused rather than misread (or "repaired" by moving it aside).
 */
final class StoreSchema {

    /**
     * Version 1: families sessions, session_keys, devices, settings, messages, meta. Keys are UTF-8 device ids,
     * except in session_keys: 8-byte big-endian device keys whose values are the UTF-8 device ids. A store created
     * before session_keys existed gets the family (and its index, see {@code RocksDbStore}) when opened. Later
     * additions, created empty on open without a version change (older builds open them and leave them alone):
     * message_status, message_keys, backends, backend_tokens (see {@code MessageKeys}, {@code RocksDbBackendStore}),
     * reachability (keys are UTF-8 device ids), uplinks and uplink_seqs (see {@code RocksDbUplinkStore}).
     */
    static final int CURRENT_VERSION = 1;

    static final byte[] VERSION_KEY = "schema-version".getBytes(StandardCharsets.UTF_8);

    private StoreSchema() {
    }

    /**
     * Checks an existing store's schema through a read-only open, before anything opens it for writing: a read/write
     * open already rewrites files and deletes the ones it does not recognise.
     *
     * <p>The version key is written when a store is created, so its absence means the store lost records. That is
     * how a damaged MANIFEST shows up: RocksDB takes a cut-off MANIFEST for a crash during its last write, opens
     * the last complete state, and would then delete every table file the lost records referenced.
     */
    static void checkExisting(Path dir, StoreTuning tuning, StoreMetrics metrics) throws RocksDBException {
        String meta = ColumnFamily.META.cfName();
        String defaultFamily = new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8);
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, tuning.forFamily(defaultFamily)),
                new ColumnFamilyDescriptor(ColumnFamily.META.nameBytes(), tuning.forFamily(meta)));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB readOnly;
        try {
            readOnly = RocksDB.openReadOnly(tuning.dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            // Every store this build creates has the meta family; the MANIFEST not knowing it (while the family list
            // read from it a moment ago may) means the MANIFEST is damaged.
            if (e.getStatus() != null && e.getStatus().getCode() == Status.Code.InvalidArgument) {
                throw corrupt(dir, "its MANIFEST is inconsistent: " + e.getMessage());
            }
            throw e;
        }
        try (RocksDB db = readOnly) {
            try {
                byte[] stored = db.get(handles.get(1), VERSION_KEY);
                metrics.read(ColumnFamily.META, 1);
                if (stored == null) {
                    throw corrupt(dir, "its schema version record is missing, so records were lost");
                }
                check(dir, stored);
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }

    /** Records the current version in a new store; checks it (again) in an existing one. */
    static void initializeOrCheck(RocksDB db, ColumnFamilyHandle meta, boolean existing, WriteOptions syncedWrite,
            Path dir, StoreMetrics metrics) throws RocksDBException {
        byte[] stored = db.get(meta, VERSION_KEY);
        metrics.read(ColumnFamily.META, 1);
        if (stored != null) {
            check(dir, stored);
            return;
        }
        if (existing) {
            throw corrupt(dir, "its schema version record is missing, so records were lost");
        }
        long start = System.nanoTime();
        db.put(meta, syncedWrite, VERSION_KEY, encode(CURRENT_VERSION));
        metrics.wrote(ColumnFamily.META, 1, start);
    }

    private static void check(Path dir, byte[] stored) {
        if (stored.length != Integer.BYTES) {
            throw corrupt(dir, "its schema version is " + stored.length + " bytes, expected " + Integer.BYTES);
        }
        int version = ByteBuffer.wrap(stored).getInt();
        if (version > CURRENT_VERSION) {
            throw new StoreException(Kind.INCOMPATIBLE, "Store " + dir + " has schema version " + version
                    + ", but this appliance build supports up to " + CURRENT_VERSION
                    + ": it was written by a newer appliance; run that version or use another store directory");
        }
        if (version < 1) {
            throw corrupt(dir, "its schema version is " + version);
        }
    }

    private static StoreException corrupt(Path dir, String why) {
        return new StoreException(Kind.CORRUPT,
                "Store " + dir + " is corrupt (" + why + "): " + RocksDbErrors.MOVE_ASIDE_HINT);
    }

    static byte[] encode(int version) {
        return ByteBuffer.allocate(Integer.BYTES).putInt(version).array();
    }
}
