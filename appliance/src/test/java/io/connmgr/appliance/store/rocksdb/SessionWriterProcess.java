package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;

/**
 * Child process for the crash test: writes sessions and a device, reports {@value #READY}, then waits (without
 * closing the store) until it is killed.
 */
public final class SessionWriterProcess {

    static final String READY = "SESSIONS-WRITTEN";

    private SessionWriterProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry());
        for (String id : SampleRecords.orderedIds(count)) {
            store.saveSession(SampleRecords.session(id));
        }
        store.putDevice(SampleRecords.device("d1"));
        System.out.println(READY);
        System.out.flush();
        // Blocks until the parent kills this process; the store is deliberately never closed.
        System.in.read();
    }
}
