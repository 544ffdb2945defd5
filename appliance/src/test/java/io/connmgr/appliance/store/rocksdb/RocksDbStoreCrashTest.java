package io.connmgr.appliance.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import io.connmgr.appliance.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Kills a process that has a store open (kill -9: no close, no flush) and checks what survives. */
class RocksDbStoreCrashTest {

    private static final int SESSIONS = 1000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void writesAcknowledgedBeforeAKill_surviveIt_fromTheWriteAheadLog() throws Exception {
        Process child = startWriter();
        try {
            awaitReady(child);

            // The live process holds the lock: a second appliance on the same directory is refused.
            assertThatThrownBy(() -> RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("another appliance is probably running")
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.LOCKED);
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("killed child exited").isTrue();
        }

        // Nothing was flushed: whatever is read back below was replayed from the write-ahead log.
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".sst"));
        }
        try (RocksDbStore store = RocksDbStore.open(dir, StoreOptions.defaults(), new SimpleMeterRegistry())) {
            List<SessionRecord> sessions = new ArrayList<>();
            store.forEachSession(sessions::add);

            assertThat(sessions).hasSize(SESSIONS);
            assertThat(sessions.getFirst()).isEqualTo(SampleRecords.session(SampleRecords.orderedIds(1)[0]));
            assertThat(store.loadDevice("d1")).contains(SampleRecords.device("d1"));
        }
    }

    private Process startWriter() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                SessionWriterProcess.class.getName(), dir.toString(), Integer.toString(SESSIONS))
                .redirectErrorStream(true)
                .start();
    }

    private static void awaitReady(Process child) throws IOException {
        List<String> output = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.equals(SessionWriterProcess.READY)) {
                return;
            }
            output.add(line);
        }
        throw new AssertionError("writer process ended before writing; its output:\n" + String.join("\n", output));
    }
}
