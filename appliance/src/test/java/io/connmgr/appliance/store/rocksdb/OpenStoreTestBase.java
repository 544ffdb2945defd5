package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Each test gets a RocksDB store of its own, open in a fresh directory and closed after the test. */
abstract class OpenStoreTestBase {
    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApplianceStore store;

    @BeforeEach
    void open() {
        store = RocksDbStore.open(dir, StoreOptions.defaults(), registry);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** Closes the store and opens the same directory again, as a restart would. */
    void reopen() {
        store.close();
        store = RocksDbStore.open(dir, StoreOptions.defaults(), registry);
    }
}
