package io.connmgr.appliance.store.rocksdb;

import static io.connmgr.appliance.store.SampleRecords.device;
import static io.connmgr.appliance.store.SampleRecords.session;
import static io.connmgr.appliance.store.SampleRecords.sessionWithoutAddress;
import static io.connmgr.appliance.store.SampleRecords.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.ReachabilityRecord;
import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RocksDbStoreTest extends OpenStoreTestBase {

    @Test
    void everyRecordType_roundTrips_includingNulls() {
        store.saveSession(session("a"));
        store.saveSession(sessionWithoutAddress("b"));
        store.putDevice(device("a"));
        store.putSettings("a", settings());
        store.putSettings("b", DeviceSettings.NONE);

        assertThat(store.loadSession("a")).contains(session("a"));
        assertThat(store.loadSession("b")).contains(sessionWithoutAddress("b"));
        assertThat(store.loadDevice("a")).contains(device("a"));
        assertThat(store.loadSettings("a")).contains(settings());
        assertThat(store.loadSettings("b")).contains(DeviceSettings.NONE);
    }

    @Test
    void missingRecords_areEmpty() {
        assertThat(store.loadSession("nobody")).isEmpty();
        assertThat(store.loadDevice("nobody")).isEmpty();
        assertThat(store.loadSettings("nobody")).isEmpty();
    }

    @Test
    void saveSession_replaces_andDeleteSession_removes() {
        store.saveSession(session("a"));
        store.saveSession(sessionWithoutAddress("a"));
        assertThat(store.loadSession("a")).contains(sessionWithoutAddress("a"));

        store.deleteSession("a");
        assertThat(store.loadSession("a")).isEmpty();
    }

    @Test
    void deleteDevice_removesItsSettingsAndSession_butNothingOfOtherDevices() {
        for (String id : List.of("a", "b")) {
            store.putDevice(device(id));
            store.putSettings(id, settings());
            store.saveSession(session(id));
        }

        assertThat(store.deleteDevice("a")).isTrue();

        assertThat(store.loadDevice("a")).isEmpty();
        assertThat(store.loadSettings("a")).isEmpty();
        assertThat(store.loadSession("a")).isEmpty();
        assertThat(store.loadDevice("b")).contains(device("b"));
        assertThat(store.loadSettings("b")).contains(settings());
        assertThat(store.loadSession("b")).contains(session("b"));
        assertThat(store.deleteDevice("a")).isFalse();
    }

    @Test
    void reachability_roundTripsReplacesSurvivesReopenAndIsDeletedWithItsDevice() {
        ReachabilityRecord a = new ReachabilityRecord("a", true, "192.0.2.17:8080", 10);
        ReachabilityRecord b = new ReachabilityRecord("b", true, null, 20);
        store.putDevice(device("a"));
        store.putReachability(a);
        store.putReachability(b);
        store.putReachability(new ReachabilityRecord("c", false, "[2001:db8::1]", 30));
        store.deleteReachability("c");
        store.deleteReachability("nobody");

        reopen();

        assertThat(store.loadReachability("a")).contains(a);
        assertThat(store.loadReachability("c")).isEmpty();
        List<ReachabilityRecord> all = new ArrayList<>();
        store.forEachReachability(all::add);
        assertThat(all).containsExactly(a, b);

        store.deleteDevice("a");
        assertThat(store.loadReachability("a")).isEmpty();
        assertThat(store.loadReachability("b")).contains(b);
    }

    @Test
    void deviceIdForKey_findsTheDeviceOfASavedSession_andNothingForUnknownKeys() {
        store.saveSession(session("a", 7L));
        store.saveSession(session("b", Long.MIN_VALUE));

        assertThat(store.deviceIdForKey(7L)).contains("a");
        assertThat(store.deviceIdForKey(Long.MIN_VALUE)).contains("b");
        assertThat(store.deviceIdForKey(8L)).isEmpty();
        assertThat(store.deviceIdForKey(0L)).isEmpty();
    }

    @Test
    void deviceIdForKey_isEmpty_afterDeleteSession() {
        store.saveSession(session("a", 7L));
        store.saveSession(session("b", 8L));

        store.deleteSession("a");

        assertThat(store.deviceIdForKey(7L)).isEmpty();
        assertThat(store.deviceIdForKey(8L)).contains("b");
        store.deleteSession("a"); // deleting again, with nothing stored, is harmless
        assertThat(store.deviceIdForKey(8L)).contains("b");
    }

    @Test
    void deviceIdForKey_isEmpty_afterDeleteDevice() {
        store.putDevice(device("a"));
        store.saveSession(session("a", 7L));
        store.saveSession(session("b", 8L));

        store.deleteDevice("a");

        assertThat(store.deviceIdForKey(7L)).isEmpty();
        assertThat(store.deviceIdForKey(8L)).contains("b");
    }

    @Test
    void deviceIdForKey_survivesReopen() {
        store.saveSession(session("a", 7L));

        reopen();

        assertThat(store.deviceIdForKey(7L)).contains("a");
    }

    @Test
    void savingWithANewKey_dropsTheOldIndexEntry() {
        store.saveSession(session("a", 7L));

        store.saveSession(session("a", 9L));

        assertThat(store.deviceIdForKey(7L)).isEmpty();
        assertThat(store.deviceIdForKey(9L)).contains("a");
        store.deleteSession("a");
        assertThat(store.deviceIdForKey(9L)).isEmpty();
    }

    @Test
    void anIndexEntryTakenOverByAnotherDevice_isNotRemovedByTheFirst() {
        store.saveSession(session("a", 7L));
        store.saveSession(session("b", 7L)); // last save wins the key

        store.saveSession(session("a", 9L));
        assertThat(store.deviceIdForKey(7L)).contains("b");
        store.deleteSession("a");
        store.saveSession(session("a", 7L));
        store.deleteDevice("a");
        assertThat(store.deviceIdForKey(7L)).as("a took the key back, so its delete removes the entry").isEmpty();

        store.saveSession(session("b", 7L));
        store.saveSession(session("c", 7L));
        store.deleteSession("b");
        assertThat(store.deviceIdForKey(7L)).contains("c");
    }

    @Test
    void listSessions_pagesInDeviceIdOrder_strictlyAfterTheCursor() {
        String[] ids = SampleRecords.orderedIds(25);
        for (int i = ids.length - 1; i >= 0; i--) {
            store.saveSession(session(ids[i]));
        }

        List<String> seen = new ArrayList<>();
        String cursor = null;
        List<SessionRecord> page;
        do {
            page = store.listSessions(cursor, 10);
            assertThat(page).hasSizeLessThanOrEqualTo(10);
            page.forEach(s -> seen.add(s.deviceId()));
            cursor = page.isEmpty() ? cursor : page.getLast().deviceId();
        } while (page.size() == 10);

        assertThat(seen).containsExactly(ids);
        assertThat(store.listSessions("dev-0003", 2)).extracting(SessionRecord::deviceId)
                .containsExactly("dev-0004", "dev-0005");
        // A cursor that is not itself a key starts at the next key.
        assertThat(store.listSessions("dev-0003x", 1)).extracting(SessionRecord::deviceId)
                .containsExactly("dev-0004");
        assertThat(store.listSessions("dev-0024", 10)).isEmpty();
        assertThat(store.listSessions(null, 0)).isEmpty();
    }

    @Test
    void listing_ordersByUtf8Bytes() {
        for (String id : List.of("é", "z", "A", "日本")) {
            store.putDevice(device(id));
        }

        assertThat(store.listDevices(null, 10)).extracting(DeviceRecord::deviceId)
                .containsExactly("A", "z", "é", "日本");
        assertThat(store.listDevices("z", 10)).extracting(DeviceRecord::deviceId).containsExactly("é", "日本");
    }

    @Test
    void listing_rejectsNegativeLimit() {
        assertThatThrownBy(() -> store.listSessions(null, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void forEachSession_visitsEverySession_inOrder() {
        String[] ids = SampleRecords.orderedIds(50);
        for (String id : ids) {
            store.saveSession(session(id));
        }
        List<String> visited = new ArrayList<>();

        store.forEachSession(s -> visited.add(s.deviceId()));

        assertThat(visited).containsExactly(ids);
    }

    @Test
    void everything_survivesACleanReopen() {
        store.saveSession(session("a"));
        store.putDevice(device("a"));
        store.putSettings("a", settings());

        reopen();

        assertThat(store.loadSession("a")).contains(session("a"));
        assertThat(store.loadDevice("a")).contains(device("a"));
        assertThat(store.loadSettings("a")).contains(settings());
    }

    @Test
    void close_flushesMemtables_soReopenNeedsNoLogReplay() throws Exception {
        store.saveSession(session("a"));
        store.close();

        // After a flushing close, the data lives in SST files and the WAL holds nothing for it.
        assertThat(java.nio.file.Files.list(dir)).anyMatch(f -> f.toString().endsWith(".sst"));
        store = RocksDbStore.open(dir, StoreOptions.defaults(), registry);
        assertThat(store.loadSession("a")).contains(session("a"));
    }

    @Test
    void deviceIds_areValidatedLoosely() {
        assertThatThrownBy(() -> store.loadSession("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> store.loadDevice("x".repeat(129))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("129 bytes");
        assertThatThrownBy(() -> store.loadDevice("é".repeat(65))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("130 bytes");
        assertThatThrownBy(() -> store.putSettings("a\uD800b", settings()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");

        store.putDevice(device("x".repeat(128)));
        assertThat(store.loadDevice("x".repeat(128))).isPresent();
    }

    @Test
    void readsAndWrites_areCountedPerColumnFamily() {
        double sessionReads = reads("sessions");
        double indexReads = reads("session_keys");

        store.saveSession(session("a"));
        store.saveSession(session("b"));
        store.putDevice(device("a"));
        assertThat(writes("sessions")).isEqualTo(2);
        assertThat(writes("session_keys")).isEqualTo(2);
        assertThat(writes("devices")).isEqualTo(1);
        // A save reads the session it replaces, to find that session's index entry.
        assertThat(reads("sessions")).isEqualTo(sessionReads + 2);
        assertThat(reads("session_keys")).isEqualTo(indexReads);
        sessionReads = reads("sessions");

        store.deviceIdForKey(42L);
        assertThat(reads("session_keys")).isEqualTo(indexReads + 1);

        store.loadSession("a");
        store.loadSession("missing");
        assertThat(reads("sessions")).isEqualTo(sessionReads + 2);

        // A scan counts each iterator positioning: seek to "a", then next to "b" (the limit stops it there).
        store.listSessions(null, 2);
        assertThat(reads("sessions")).isEqualTo(sessionReads + 4);

        // Both sessions have key 42 and b saved last, so a's delete reads the entry but leaves b's.
        store.deleteDevice("a");
        assertThat(reads("devices")).isEqualTo(1);
        assertThat(reads("session_keys")).isEqualTo(indexReads + 2);
        assertThat(writes("devices")).isEqualTo(2);
        assertThat(writes("settings")).isEqualTo(1);
        assertThat(writes("session_keys")).isEqualTo(2);
        store.deleteSession("b");
        assertThat(writes("session_keys")).isEqualTo(3);
        assertThat(registry.get("cm.store.write.latency").tag("cf", "sessions").timer().count()).isEqualTo(3);
        assertThat(registry.get("cm.store.write.latency").tag("cf", "devices").timer().count()).isEqualTo(2);
        assertThat(reads("settings")).isZero();
        assertThat(reads("messages")).isZero();
    }

    @Test
    void everyOperation_onAClosedStore_failsWithClosed() {
        store.close();
        store.close();

        List<Consumer<ApplianceStore>> operations = List.of(
                s -> s.loadSession("a"), s -> s.saveSession(session("a")), s -> s.deleteSession("a"),
                s -> s.deviceIdForKey(1L),
                s -> s.listSessions(null, 1), s -> s.forEachSession(x -> { }),
                s -> s.loadDevice("a"), s -> s.putDevice(device("a")), s -> s.deleteDevice("a"),
                s -> s.listDevices(null, 1), s -> s.loadSettings("a"), s -> s.putSettings("a", settings()),
                ApplianceStore::flush);
        for (Consumer<ApplianceStore> operation : operations) {
            assertThatThrownBy(() -> operation.accept(store))
                    .isInstanceOf(StoreException.class)
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.CLOSED);
        }
    }

    @Test
    void flush_keepsTheStoreUsable() {
        store.saveSession(session("a"));
        store.flush();
        store.saveSession(session("b"));

        assertThat(store.listSessions(null, 10)).containsExactly(session("a"), session("b"));
    }

    private double reads(String cf) {
        return registry.get("cm.store.reads").tag("cf", cf).counter().count();
    }

    private double writes(String cf) {
        return registry.get("cm.store.writes").tag("cf", cf).counter().count();
    }
}
