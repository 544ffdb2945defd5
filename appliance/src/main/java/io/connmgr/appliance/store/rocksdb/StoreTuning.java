package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.StoreOptions;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteOptions;

/**
 * The native option objects of one open store, sized for millions of small records on a small box, and closed
 * together with it (each is a native allocation the garbage collector does not free).
 */
final class StoreTuning implements AutoCloseable {

    /**
     * SST files kept open at once. The process's file-descriptor limit is shared with the device sockets, of which
     * there may be millions; an unbounded table cache (RocksDB's default of -1) would grow with the store and compete
     * for that limit. Files beyond this are reopened on demand, which costs a little latency on cold reads only.
     */
    static final int MAX_OPEN_FILES = 512;
    /** Memtable size of the rarely written column families (credentials, settings, meta). */
    static final long SMALL_WRITE_BUFFER_BYTES = 4L << 20;
    /**
     * Forces a flush of column families that pin old WAL files. Without it one rarely written family (devices) keeps
     * every WAL alive and the log grows with all session traffic since its last write.
     */
    static final long MAX_TOTAL_WAL_BYTES = 64L << 20;
    static final int BLOOM_BITS_PER_KEY = 10;

    final DBOptions dbOptions;
    final ColumnFamilyOptions sessionFamily;
    final ColumnFamilyOptions smallFamily;
    /** Sessions: WAL on, no fsync; survives a killed process, and a write costs no disk flush. */
    final WriteOptions walWrite;
    /** Credentials and settings: fsync'ed, since losing them locks devices out. */
    final WriteOptions syncedWrite;
    final FlushOptions flushAndWait;
    /** Full scans (the start-up pass over all sessions) would otherwise evict the hot blocks from the cache. */
    final ReadOptions scanRead;

    private final List<RocksObject> owned = new ArrayList<>();

    StoreTuning(StoreOptions options) {
        // The one block cache for all families bounds read memory; index and filter blocks live in it too, because
        // outside the cache they grow with the number of records (millions) instead of being bounded.
        LRUCache blockCache = own(new LRUCache(options.blockCacheBytes()));
        BloomFilter bloom = own(new BloomFilter(BLOOM_BITS_PER_KEY));

        dbOptions = own(new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // Verify checksums and file sizes while opening, so a damaged store fails at start-up.
                .setParanoidChecks(true)
                .setMaxOpenFiles(MAX_OPEN_FILES)
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES)
                // Two cores are shared with the network; one flush and one compaction at a time are enough.
                .setMaxBackgroundJobs(2)
                .setBytesPerSync(1L << 20)
                .setKeepLogFileNum(3)
                .setMaxLogFileSize(8L << 20));
        sessionFamily = own(familyOptions(options.sessionWriteBufferBytes(), blockCache, bloom));
        smallFamily = own(familyOptions(SMALL_WRITE_BUFFER_BYTES, blockCache, bloom));
        walWrite = own(new WriteOptions().setSync(false).setDisableWAL(false));
        syncedWrite = own(new WriteOptions().setSync(true));
        flushAndWait = own(new FlushOptions().setWaitForFlush(true));
        scanRead = own(new ReadOptions().setFillCache(false));
    }

    /** The options for a column family by its on-disk name; unknown names (from a newer build) get the small ones. */
    ColumnFamilyOptions forFamily(String cfName) {
        // The device-key index is written with every session save, so it gets the sessions' larger memtable.
        return ColumnFamily.SESSIONS.cfName().equals(cfName) || ColumnFamily.SESSION_KEYS.cfName().equals(cfName)
                ? sessionFamily : smallFamily;
    }

    private static ColumnFamilyOptions familyOptions(long writeBufferBytes, LRUCache cache, BloomFilter bloom) {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        return new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setWriteBufferSize(writeBufferBytes)
                .setMaxWriteBufferNumber(2)
                .setLevelCompactionDynamicLevelBytes(true);
    }

    private <T extends RocksObject> T own(T object) {
        owned.add(object);
        return object;
    }

    /** Closes in reverse order of creation: users (options) before what they share (cache, filter). */
    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
