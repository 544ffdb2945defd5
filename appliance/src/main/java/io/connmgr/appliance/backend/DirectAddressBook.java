package io.connmgr.appliance.backend;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.ReachabilityRecord;
import io.connmgr.protocol.message.Hello;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What devices announce in HELLO about reaching them (docs/protocol.md section 6.11): on-demand operation and a
 * direct address. The store holds it ({@link ReachabilityRecord}); this book keeps the records in memory too, so the
 * proxy can tell at no cost whether a device may be reached directly before it reads the store. Only devices that
 * announced something have an entry.
 */
public final class DirectAddressBook {
    private static final Logger log = LoggerFactory.getLogger(DirectAddressBook.class);

    private final ApplianceStore store;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, ReachabilityRecord> records = new ConcurrentHashMap<>();

    public DirectAddressBook(ApplianceStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Loads the stored records; at start-up, before devices connect. */
    public DirectAddressBook load() {
        store.forEachReachability(r -> records.put(r.deviceId(), r));
        log.info("{} devices announced on-demand operation or a direct address", records.size());
        return this;
    }

    /**
     * An authenticated HELLO: stores what it announces when that differs from what is stored, and removes the record
     * of a device that announces nothing any more. Blocks on the store: call off the event loops. A store failure is
     * logged, not thrown, so it cannot cost the device its connection.
     */
    public void announced(Hello hello) {
        String id = hello.deviceId();
        String address = hello.directAddress() == null ? null : hello.directAddress().toString();
        ReachabilityRecord current = records.get(id);
        try {
            if (!hello.onDemand() && address == null) {
                if (current != null) {
                    store.deleteReachability(id);
                    records.remove(id, current);
                }
                return;
            }
            if (current != null && current.sameAnnouncement(hello.onDemand(), address)) {
                return;
            }
            ReachabilityRecord updated = new ReachabilityRecord(id, hello.onDemand(), address, clock.millis());
            store.putReachability(updated);
            records.put(id, updated);
            log.debug("device {} announces on_demand={} direct_address={}", id, hello.onDemand(), address);
        } catch (RuntimeException e) {
            log.warn("device {}: storing what its HELLO announced failed: {}", id, e.toString());
        }
    }

    /**
     * Whether the device announced a direct address, as far as memory knows: a cheap filter on the proxy path. The
     * store has the last word ({@link ApplianceStore#loadReachability}), for example after the device was deleted.
     */
    public boolean mayHaveDirectAddress(String deviceId) {
        ReachabilityRecord r = records.get(deviceId);
        return r != null && r.directAddress() != null;
    }

    /** Devices with an entry; for tests and the log. */
    public int size() {
        return records.size();
    }
}
