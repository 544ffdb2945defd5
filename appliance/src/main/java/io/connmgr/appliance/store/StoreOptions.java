package io.connmgr.appliance.store;

/**
 * How the store is opened and sized.
 *
 * @param moveAsideIfCorrupt     on a corrupt store, rename its directory to {@code <dir>.corrupt-<timestamp>} and start
 *                               empty instead of refusing to start
 * @param blockCacheBytes        size of the one LRU block cache shared by all column families (data, index and
 *                               filter blocks); at least {@value #MIN_BLOCK_CACHE_BYTES}
 * @param sessionWriteBufferBytes size of one memtable of the sessions column family, the only one with heavy write
 *                               traffic; at least {@value #MIN_WRITE_BUFFER_BYTES}
 */
public record StoreOptions(boolean moveAsideIfCorrupt, long blockCacheBytes, long sessionWriteBufferBytes) {

    public static final long DEFAULT_BLOCK_CACHE_BYTES = 32L << 20;
    public static final long MIN_BLOCK_CACHE_BYTES = 1L << 20;
    public static final long DEFAULT_SESSION_WRITE_BUFFER_BYTES = 16L << 20;
    public static final long MIN_WRITE_BUFFER_BYTES = 1L << 20;

    public StoreOptions {
        if (blockCacheBytes < MIN_BLOCK_CACHE_BYTES) {
            throw new IllegalArgumentException(
                    "blockCacheBytes must be at least " + MIN_BLOCK_CACHE_BYTES + ", was " + blockCacheBytes);
        }
        if (sessionWriteBufferBytes < MIN_WRITE_BUFFER_BYTES) {
            throw new IllegalArgumentException("sessionWriteBufferBytes must be at least " + MIN_WRITE_BUFFER_BYTES
                    + ", was " + sessionWriteBufferBytes);
        }
    }

    /** Default sizes, with the given corruption policy. */
    public StoreOptions(boolean moveAsideIfCorrupt) {
        this(moveAsideIfCorrupt, DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_SESSION_WRITE_BUFFER_BYTES);
    }

    /** Default sizes; a corrupt store stops start-up. */
    public static StoreOptions defaults() {
        return new StoreOptions(false);
    }
}
