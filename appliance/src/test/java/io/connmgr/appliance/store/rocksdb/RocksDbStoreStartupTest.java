package io.connmgr.appliance.store.rocksdb;

import static io.connmgr.appliance.store.SampleRecords.device;
import static io.connmgr.appliance.store.SampleRecords.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import io.connmgr.appliance.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class RocksDbStoreStartupTest {

    @TempDir
    Path parent;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** Ways to damage a closed store's files. */
    enum Damage {
        CURRENT_TRUNCATED {
            @Override
            void apply(Path store) throws IOException {
                Files.write(store.resolve("CURRENT"), new byte[0]);
            }
        },
        CURRENT_GARBAGE {
            @Override
            void apply(Path store) throws IOException {
                Files.writeString(store.resolve("CURRENT"), "\u0001\u0002garbage\u00ff");
            }
        },
        CURRENT_MISSING {
            @Override
            void apply(Path store) throws IOException {
                Files.delete(store.resolve("CURRENT"));
            }
        },
        MANIFEST_GARBAGE {
            @Override
            void apply(Path store) throws IOException {
                overwriteMiddle(only(store, "MANIFEST-"));
            }
        },
        MANIFEST_TRUNCATED {
            @Override
            void apply(Path store) throws IOException {
                truncateToHalf(only(store, "MANIFEST-"));
            }
        },
        SST_GARBAGE {
            @Override
            void apply(Path store) throws IOException {
                for (Path sst : files(store, ".sst")) {
                    overwriteMiddle(sst);
                }
            }
        },
        SST_TRUNCATED {
            @Override
            void apply(Path store) throws IOException {
                for (Path sst : files(store, ".sst")) {
                    truncateToHalf(sst);
                }
            }
        };

        abstract void apply(Path store) throws IOException;
    }

    @Test
    void openingAnOpenStoreAgain_failsWithLocked_namingTheDirectory() {
        Path dir = parent.resolve("store");
        try (RocksDbStore first = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThatThrownBy(() -> RocksDbStore.open(dir, StoreOptions.defaults(), registry))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("another appliance is probably running")
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.LOCKED);
            // The failed open must leave the first one intact.
            first.saveSession(session("a"));
            assertThat(first.loadSession("a")).isPresent();
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedStore_failsWithCorrupt_andAHowToRecover(Damage damage) throws IOException {
        Path dir = storeWithData();
        damage.apply(dir);

        assertThatThrownBy(() -> RocksDbStore.open(dir, StoreOptions.defaults(), registry).close())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("start with --store-recover=move-aside to move the corrupt store aside "
                        + "and start empty")
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.CORRUPT);
        assertThat(dir).exists();
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedStore_withMoveAside_isRenamed_andAnEmptyStoreOpens(Damage damage) throws IOException {
        Path dir = storeWithData();
        damage.apply(dir);

        try (RocksDbStore store = RocksDbStore.open(dir, new StoreOptions(true), registry)) {
            assertThat(store.listSessions(null, 10)).isEmpty();
            assertThat(store.listDevices(null, 10)).isEmpty();
            store.saveSession(session("fresh"));
        }

        try (Stream<Path> siblings = Files.list(parent)) {
            List<Path> movedAside = siblings.filter(p -> p.getFileName().toString().startsWith("store.corrupt-"))
                    .toList();
            assertThat(movedAside).singleElement().satisfies(
                    p -> assertThat(p.getFileName().toString()).matches("store\\.corrupt-\\d{8}T\\d{6}Z"));
        }
        try (RocksDbStore reopened = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThat(reopened.loadSession("fresh")).isPresent();
        }
    }

    @Test
    void aDamagedDataBlock_isReportedWhenRead_andFoundAtOpenInMoveAsideMode() throws IOException {
        Path dir = parent.resolve("store");
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            for (String id : SampleRecords.orderedIds(2000)) {
                store.saveSession(session(id));
            }
            store.putDevice(device("d1"));
        }
        overwriteMiddle(largest(files(dir, ".sst")));

        assertThatThrownBy(() -> {
            try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
                store.forEachSession(s -> { });
            }
        }).isInstanceOf(StoreException.class)
                .hasMessageContaining("start with --store-recover=move-aside")
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.CORRUPT);

        try (RocksDbStore store = RocksDbStore.open(dir, new StoreOptions(true), registry)) {
            assertThat(store.listSessions(null, 1)).isEmpty();
        }
        try (Stream<Path> siblings = Files.list(parent)) {
            assertThat(siblings).anyMatch(p -> p.getFileName().toString().startsWith("store.corrupt-"));
        }
    }

    @Test
    void moveAside_twiceInOneSecond_keepsBothCopies() throws IOException {
        java.time.Instant now = java.time.Instant.parse("2026-01-02T03:04:05Z");
        Path first = parent.resolve("s");
        Files.createDirectories(first);
        Path movedFirst = CorruptStoreMover.moveAside(first, now);
        Files.createDirectories(first);
        Path movedSecond = CorruptStoreMover.moveAside(first, now);

        assertThat(movedFirst.getFileName()).hasToString("s.corrupt-20260102T030405Z");
        assertThat(movedSecond.getFileName()).hasToString("s.corrupt-20260102T030405Z-2");
    }

    @Test
    void aStoreFromANewerBuild_isRefused_evenWithMoveAside_andLeftUntouched() throws Exception {
        Path dir = storeWithData();
        writeSchemaVersionAndExtraFamily(dir, 2);

        assertThatThrownBy(() -> RocksDbStore.open(dir, new StoreOptions(true), registry))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("schema version 2, but this appliance build supports up to 1")
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.INCOMPATIBLE);
        try (Stream<Path> siblings = Files.list(parent)) {
            assertThat(siblings).containsExactly(dir);
        }
    }

    @Test
    void anUnknownColumnFamily_ofTheSameSchema_isOpenedAndLeftAlone() throws Exception {
        Path dir = storeWithData();
        writeSchemaVersionAndExtraFamily(dir, 1);

        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThat(store.loadDevice("d1")).contains(device("d1"));
        }
    }

    @Test
    void aStoreWithoutTheDeviceKeyIndex_getsTheFamilyAndTheIndexOnOpen() throws Exception {
        Path dir = parent.resolve("store");
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            store.saveSession(SampleRecords.session("s1", 1L));
            store.saveSession(SampleRecords.session("s2", 2L));
        }
        withRawDb(dir, (db, handles) -> db.dropColumnFamily(handles.get(ColumnFamily.SESSION_KEYS.cfName())));
        assertThat(familiesOf(dir)).doesNotContain(ColumnFamily.SESSION_KEYS.cfName());

        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThat(store.deviceIdForKey(1L)).contains("s1");
            assertThat(store.deviceIdForKey(2L)).contains("s2");
            store.deleteSession("s1");
            assertThat(store.deviceIdForKey(1L)).isEmpty();
        }
        assertThat(familiesOf(dir)).contains(ColumnFamily.SESSION_KEYS.cfName());
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThat(store.deviceIdForKey(1L)).isEmpty();
            assertThat(store.deviceIdForKey(2L)).contains("s2");
        }
    }

    private static List<String> familiesOf(Path dir) throws Exception {
        try (org.rocksdb.Options listOptions = new org.rocksdb.Options()) {
            return RocksDB.listColumnFamilies(listOptions, dir.toString()).stream()
                    .map(name -> new String(name, StandardCharsets.UTF_8)).toList();
        }
    }

    @Test
    void aCorruptSessionRecord_canStillBeReplacedAndDeleted() throws Exception {
        Path dir = storeWithData();
        withRawDb(dir, (db, handles) -> db.put(handles.get(ColumnFamily.SESSIONS.cfName()),
                "broken".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9}));

        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            store.saveSession(SampleRecords.session("broken", 5L));
            assertThat(store.loadSession("broken")).contains(SampleRecords.session("broken", 5L));
            assertThat(store.deviceIdForKey(5L)).contains("broken");
            store.deleteSession("broken");
            assertThat(store.loadSession("broken")).isEmpty();
            assertThat(store.deviceIdForKey(5L)).isEmpty();
            assertThat(registry.get("cm.store.corrupt.records").tag("cf", "sessions").counter().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void aCorruptRecord_failsItsLookup_butIsSkippedByScans_andCounted() throws Exception {
        Path dir = storeWithData();
        withRawDb(dir, (db, handles) -> db.put(handles.get(ColumnFamily.SESSIONS.cfName()),
                "broken".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9}));

        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            assertThatThrownBy(() -> store.loadSession("broken"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("session record of device 'broken' has unknown format version 9")
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.CORRUPT);
            assertThat(store.listSessions(null, 10)).extracting(s -> s.deviceId()).containsExactly("s1", "s2");
            assertThat(registry.get("cm.store.corrupt.records").tag("cf", "sessions").counter().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void aStoreDirectoryThatIsAFile_failsWithIo() throws IOException {
        Path file = Files.writeString(parent.resolve("not-a-dir"), "x");

        assertThatThrownBy(() -> RocksDbStore.open(file, StoreOptions.defaults(), registry))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.IO);
    }

    // ---- helpers

    /** A closed store in parent/store with a few records flushed to SST files. */
    private Path storeWithData() {
        Path dir = parent.resolve("store");
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), registry)) {
            store.saveSession(session("s1"));
            store.saveSession(session("s2"));
            store.putDevice(device("d1"));
        }
        return dir;
    }

    @FunctionalInterface
    private interface RawDbAction {
        void run(RocksDB db, java.util.Map<String, ColumnFamilyHandle> handles) throws Exception;
    }

    /** Opens the store with plain RocksDB, as a different build would. */
    private static void withRawDb(Path dir, RawDbAction action) throws Exception {
        List<ColumnFamilyDescriptor> descriptors = new java.util.ArrayList<>();
        try (org.rocksdb.Options listOptions = new org.rocksdb.Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(listOptions, dir.toString())) {
                descriptors.add(new ColumnFamilyDescriptor(name));
            }
        }
        List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            java.util.Map<String, ColumnFamilyHandle> byName = new java.util.HashMap<>();
            for (int i = 0; i < descriptors.size(); i++) {
                byName.put(new String(descriptors.get(i).getName(), StandardCharsets.UTF_8), handles.get(i));
            }
            try {
                action.run(db, byName);
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        } finally {
            descriptors.forEach(d -> d.getOptions().close());
        }
    }

    private static void writeSchemaVersionAndExtraFamily(Path dir, int version) throws Exception {
        withRawDb(dir, (db, handles) -> {
            db.put(handles.get("meta"), StoreSchema.VERSION_KEY, StoreSchema.encode(version));
            try (org.rocksdb.ColumnFamilyOptions cfOptions = new org.rocksdb.ColumnFamilyOptions()) {
                db.createColumnFamily(new ColumnFamilyDescriptor("future".getBytes(StandardCharsets.UTF_8),
                        cfOptions)).close();
            }
        });
    }

    private static Path only(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matching = files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
            assertThat(matching).as("files starting with %s in %s", prefix, dir).hasSize(1);
            return matching.getFirst();
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matching = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
            assertThat(matching).as("files ending with %s in %s", suffix, dir).isNotEmpty();
            return matching;
        }
    }

    private static Path largest(List<Path> files) throws IOException {
        Path largest = files.getFirst();
        for (Path file : files) {
            if (Files.size(file) > Files.size(largest)) {
                largest = file;
            }
        }
        return largest;
    }

    private static void overwriteMiddle(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = bytes.length / 4; i < bytes.length * 3 / 4; i++) {
            bytes[i] = (byte) 0xA5;
        }
        Files.write(file, bytes);
    }

    private static void truncateToHalf(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }
}
