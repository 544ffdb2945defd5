package io.connmgr.loadtest.launch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** The launcher against the real broker (deploy/scripts/install-test-deps.sh installs it). */
class MosquittoTest {
    @TempDir
    Path dir;

    @Test
    void startsAPrivateBrokerOnAFreeLoopbackPortAndStopsIt() throws IOException {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        Mosquitto m = Mosquitto.start(dir, Duration.ofSeconds(20));
        ProcessHandle process;
        try {
            process = ProcessHandle.of(m.pid()).orElseThrow();
            assertThat(process.info().command().orElse("")).endsWith("mosquitto");
            assertThat(m.version()).matches("\\d+\\.\\d+(\\.\\d+)?.*");
            assertThat(accepts(m.port())).isTrue();
            assertThat(Files.readString(m.config()))
                    .contains("listener " + m.port() + " 127.0.0.1", "allow_anonymous true", "persistence false",
                            "max_connections -1", "log_dest file " + m.log());
        } finally {
            m.close();
        }
        assertThat(m.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
    }

    @Test
    void restartsOnTheSamePortAsANewProcess() throws IOException {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        try (Mosquitto m = Mosquitto.start(dir, Duration.ofSeconds(20))) {
            long before = m.pid();
            int port = m.port();
            m.restart(true, Duration.ofSeconds(20));
            assertThat(m.pid()).isNotEqualTo(before);
            assertThat(m.port()).isEqualTo(port);
            assertThat(accepts(port)).isTrue();
            assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void versionComesFromTheUsageText() throws IOException {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        assertThat(Mosquitto.version(Mosquitto.find().orElseThrow())).matches("\\d+\\.\\d+.*");
    }

    @Test
    void findLooksAtTheVariableThenPathThenTheUsualPlaces() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = Files.writeString(bin.resolve("mosquitto"), "#!/bin/sh\n");
        fake.toFile().setExecutable(true);
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", "/nonexistent:" + bin);
        assertThat(Mosquitto.find(env::get, List.of())).contains(fake);
        env.put("MOSQUITTO", dir.resolve("elsewhere").toString());
        assertThat(Mosquitto.find(env::get, List.of(fake.toString()))).as("an explicit path is not second-guessed")
                .isEmpty();
        assertThat(Mosquitto.find(name -> null, List.of(fake.toString()))).contains(fake);
        assertThat(Mosquitto.find(name -> null, List.of("/nonexistent/mosquitto"))).isEmpty();
    }

    @Test
    void aMissingBinaryIsAClearErrorThatSaysHowToInstall() {
        assertThat(Mosquitto.notInstalledMessage()).contains("mosquitto is not installed", "apt-get install -y mosquitto");
        assertThatThrownBy(() -> Mosquitto.start(dir.resolve("no-such-mosquitto"), dir.resolve("run"),
                Duration.ofSeconds(5))).isInstanceOf(IOException.class);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
