package io.connmgr.appliance.store.rocksdb;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The store's meters, tagged by column family and registered up front so that a zero is visible as a zero.
 *
 * <p>A read is one access to the database: a point lookup, or one positioning (seek or next) of an iterator.
 * Other components assert on these counts (e.g. no read while a sleeping device is answered), so every read
 * path must count.
 */
final class StoreMetrics {

    private final Map<ColumnFamily, Counter> reads = new EnumMap<>(ColumnFamily.class);
    private final Map<ColumnFamily, Counter> writes = new EnumMap<>(ColumnFamily.class);
    private final Map<ColumnFamily, Counter> corruptRecords = new EnumMap<>(ColumnFamily.class);
    private final Map<ColumnFamily, Timer> writeLatency = new EnumMap<>(ColumnFamily.class);

    private final MeterRegistry registry;

    StoreMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (ColumnFamily cf : ColumnFamily.values()) {
            String tag = cf.cfName();
            reads.put(cf, Counter.builder("cm.store.reads").tag("cf", tag)
                    .description("Store reads: point lookups and iterator positionings").register(registry));
            writes.put(cf, Counter.builder("cm.store.writes").tag("cf", tag)
                    .description("Store writes: keys put or deleted").register(registry));
            corruptRecords.put(cf, Counter.builder("cm.store.corrupt.records").tag("cf", tag)
                    .description("Stored records that could not be decoded and were skipped").register(registry));
            writeLatency.put(cf, Timer.builder("cm.store.write.latency").tag("cf", tag)
                    .description("Time to commit one write (batch) to the store").register(registry));
        }
    }

    MeterRegistry registry() {
        return registry;
    }

    void read(ColumnFamily cf, int count) {
        if (count > 0) {
            reads.get(cf).increment(count);
        }
    }

    /** One committed write of {@code keys} keys to {@code cf}, started at {@code startNanos}. */
    void wrote(ColumnFamily cf, int keys, long startNanos) {
        writes.get(cf).increment(keys);
        writeLatency.get(cf).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** Keys written to {@code cf} as part of a batch whose latency is recorded under another family. */
    void wroteInBatch(ColumnFamily cf, int keys) {
        writes.get(cf).increment(keys);
    }

    void corruptRecord(ColumnFamily cf) {
        corruptRecords.get(cf).increment();
    }
}
