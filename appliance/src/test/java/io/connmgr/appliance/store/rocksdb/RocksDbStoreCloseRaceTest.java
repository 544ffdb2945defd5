package io.connmgr.appliance.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import io.connmgr.appliance.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbStoreCloseRaceTest {

    @TempDir
    Path dir;

    @Test
    void closingWhileOtherThreadsUseTheStore_givesThemClosed_neverACrash() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry);
        ExecutorService workers = Executors.newFixedThreadPool(3);
        try {
            List<Future<Throwable>> outcomes = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                String prefix = "w" + w + "-";
                outcomes.add(workers.submit(() -> {
                    try {
                        for (int i = 0; ; i++) {
                            String id = prefix + (i % 100);
                            store.saveSession(SampleRecords.session(id));
                            store.loadSession(id);
                            store.listSessions(id, 5);
                        }
                    } catch (Throwable t) {
                        return t;
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> registry.get("cm.store.writes").tag("cf", "sessions").counter().count() > 300);

            store.close();

            for (Future<Throwable> outcome : outcomes) {
                assertThat(outcome.get(30, TimeUnit.SECONDS))
                        .isInstanceOf(StoreException.class)
                        .extracting(t -> ((StoreException) t).kind()).isEqualTo(Kind.CLOSED);
            }
        } finally {
            workers.shutdownNow();
            store.close();
        }
    }
}
