package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether the store can write, for readiness: after a disk-full, I/O or corruption error RocksDB refuses every
 * further write (it keeps a background error), so the appliance is not ready until a probe write succeeds again.
 *
 * <p>Recovery: when asked while unhealthy (by the readiness probe), and at most once per {@link #RETRY_NANOS}, it
 * writes a small synced probe. That succeeds only once RocksDB has left its error state. RocksDB keeps the error of a
 * failed write-ahead-log append (disk full) until the store is reopened, and RocksJava has no resume call, so after a
 * full disk the way back is: free space, restart. The probe still matters for errors RocksDB recovers from itself.
 *
 * <p>Counted as {@code cm.store.failures{kind}}; {@code cm.store.writable} is 1 or 0.
 */
final class StoreWriteHealth {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWriteHealth.class);
    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Proves a write works; throws when it still cannot. */
    interface Probe {
        void resumeAndWrite();
    }

    private final Path dir;
    private final Map<Kind, Counter> failures = new EnumMap<>(Kind.class);
    private volatile StoreException failure;
    private long lastAttemptNanos;

    StoreWriteHealth(Path dir, MeterRegistry registry) {
        this.dir = dir;
        for (Kind kind : new Kind[]{Kind.DISK_FULL, Kind.IO, Kind.CORRUPT}) {
            failures.put(kind, Counter.builder("cm.store.failures").tag("kind", kind.name().toLowerCase())
                    .description("Store operations that failed, by cause; the store is not writable after one")
                    .register(registry));
        }
        Gauge.builder("cm.store.writable", this, h -> h.failure == null ? 1 : 0)
                .description("1 while the store accepts writes, 0 after a failure until a probe write succeeds")
                .register(registry);
    }

    /** Called with every failure of a store operation; only the kinds that stop writes count. */
    void failed(StoreException e) {
        Counter counter = failures.get(e.kind());
        if (counter == null) {
            return;
        }
        counter.increment();
        if (failure == null) {
            LOG.error("Store {} cannot write: {}; the appliance reports not ready until a write succeeds again",
                    dir, e.getMessage());
        }
        failure = e;
    }

    /** True when writes work; otherwise tries to recover (rate-limited) and says whether that worked. */
    synchronized boolean writable(Probe probe) {
        if (failure == null) {
            return true;
        }
        long now = System.nanoTime();
        if (lastAttemptNanos != 0 && now - lastAttemptNanos < RETRY_NANOS) {
            return false;
        }
        lastAttemptNanos = now;
        try {
            probe.resumeAndWrite();
        } catch (RuntimeException e) {
            return false;
        }
        LOG.info("Store {} accepts writes again (was: {})", dir, failure.getMessage());
        failure = null;
        return true;
    }

    /** Why the store cannot write, or null. */
    StoreException failure() {
        return failure;
    }
}
