package io.connmgr.appliance.it;

import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.wire.ReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The appliance as a real process: started by its main class, probed over HTTP, spoken to by a device written in
 * Python from the protocol document alone, and stopped with SIGTERM.
 */
class ApplianceProcessTest {
    @TempDir
    Path dir;
    final List<Process> processes = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    int devicePort;
    int adminPort;

    @AfterEach
    void kill() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process startAppliance(Path log, String... extra) throws IOException {
        devicePort = freePort();
        adminPort = freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                // the production logging configuration, not the quiet one the test classpath puts first
                "-Dlogback.configurationFile=" + ClassLoader.getSystemResource("logback.xml"),
                "-cp", System.getProperty("java.class.path"),
                "io.connmgr.appliance.ApplianceMain",
                "--data-dir", dir.resolve("data").toString(),
                "--bind-address", "127.0.0.1", "--admin-bind-address", "127.0.0.1",
                "--device-port", Integer.toString(devicePort), "--admin-port", Integer.toString(adminPort),
                "--proxy-port", "0", "--control-port=-1", "--drain-deadline", "5s"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void pythonReferenceDevice_talksToTheAppliance_andSigtermDrainsWithGoAway() throws Exception {
        assumeThat(new File("/usr/bin/python3").canExecute() || which("python3")).as("python3 installed").isTrue();
        Path log = dir.resolve("appliance.log");
        Process appliance = startAppliance(log);
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);

        String fleetKeyHex = Files.readString(dir.resolve("data").resolve(SecretFiles.FLEET_KEY)).trim();
        Process device = new ProcessBuilder("python3", Path.of("..", "docs", "examples", "device.py").toString(),
                "--appliance", "127.0.0.1:" + devicePort, "--device-id", "py-1", "--fleet-key-hex", fleetKeyHex,
                "--ping-once", "--send", "hello from python", "--cmd", "SET_SLEEP_AFTER=600")
                .redirectErrorStream(true).start();
        processes.add(device);
        assertThat(device.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(device.getInputStream().readAllBytes());
        assertThat(device.exitValue()).as(out).isZero();
        assertThat(out).contains("\"event\": \"welcome\"").contains("\"event\": \"pong\"")
                .contains("\"event\": \"ack\", \"seq\": 1").contains("\"status\": \"OK\"");

        try (TestDevice d = new TestDevice(devicePort)) {
            d.connect("dev-1", new io.connmgr.appliance.auth.FleetTokens(
                    java.util.HexFormat.of().parseHex(fleetKeyHex)).mint("dev-1"));
            appliance.destroy(); // SIGTERM
            GoAway goAway = (GoAway) d.read();
            assertThat(goAway.reason()).isEqualTo(ReasonCode.SHUTTING_DOWN);
            assertThat(d.closedByPeer()).isTrue();
        }
        assertThat(appliance.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(log)).contains("appliance ready").contains("draining").contains("appliance stopped")
                .doesNotContain("Exception");
    }

    @Test
    void secondApplianceOnTheSameDataDir_failsWithAClearMessage() throws Exception {
        Path log1 = dir.resolve("first.log");
        startAppliance(log1);
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        Path log2 = dir.resolve("second.log");
        Process second = startAppliance(log2);
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log2)).contains("cannot start").containsIgnoringCase("lock");
    }

    // ---- store failures at start-up: a lock held by another process, a damaged store

    @Test
    void secondAppliance_lockHeld_exitsNonZero_namingTheDataDirAndTheCause() throws Exception {
        startAppliance(dir.resolve("first.log"));
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        Path log2 = dir.resolve("second.log");
        Process second = startAppliance(log2);
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isNotZero();
        assertThat(Files.readString(log2)).contains("cannot start")
                .contains(dir.resolve("data").resolve("store").toString())
                .contains("another appliance is probably running with this store directory");
    }

    @Test
    void corruptStore_failsStartUpWithTheHint_andMoveAsideStartsEmpty() throws Exception {
        Process first = startAppliance(dir.resolve("first.log"));
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        first.destroy(); // SIGTERM: a clean stop, the store flushed
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Path store = dir.resolve("data").resolve("store");
        Path manifest;
        try (var files = Files.list(store)) {
            manifest = files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(manifest);
        for (int i = bytes.length / 4; i < bytes.length; i++) {
            bytes[i] = (byte) 0xA5;
        }
        Files.write(manifest, bytes);

        Path log2 = dir.resolve("corrupt.log");
        Process second = startAppliance(log2);
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isNotZero();
        assertThat(Files.readString(log2)).contains("cannot start").contains(store.toString()).contains("corrupt")
                .contains("--store-recover=move-aside");

        Path log3 = dir.resolve("recovered.log");
        startAppliance(log3, "--store-recover", "move-aside");
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        assertThat(Files.readString(log3)).contains("moved it aside");
        try (var siblings = Files.list(store.getParent())) {
            assertThat(siblings.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("store.corrupt-"));
        }
    }

    @Test
    void invalidConfiguration_failsStartUpNamingTheKey() throws Exception {
        Path log = dir.resolve("bad.log");
        Process p = startAppliance(log, "--idle-after", "soon");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("idle-after: 'soon' is not valid");
    }

    @Test
    void killedWithSigkill_everyAcceptedMessageIsDeliveredAfterRestart() throws Exception {
        Process first = startAppliance(dir.resolve("first.log"));
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        String adminToken = Files.readString(dir.resolve("data").resolve(SecretFiles.ADMIN_TOKEN)).trim();
        String deviceToken = field(send("POST", "/v1/devices", adminToken, "{\"device_id\":\"dev-k\"}", 201),
                "token");
        String backend = field(send("POST", "/v1/backends", adminToken, "{\"name\":\"b\"}", 201), "token");
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            ids.add(field(send("POST", "/v1/devices/dev-k/messages", backend, "m" + i, 202), "message_id"));
        }
        first.destroyForcibly(); // SIGKILL: no drain, no flush
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

        startAppliance(dir.resolve("second.log"));
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/readyz") == 200);
        try (TestDevice d = new TestDevice(devicePort)) {
            d.connect("dev-k", deviceToken, 0, null);
            for (int i = 1; i <= 20; i++) {
                io.connmgr.protocol.message.Msg m = d.read(io.connmgr.protocol.message.Msg.class);
                assertThat(m.seq()).isEqualTo(i);
                assertThat(new String(m.payload())).isEqualTo("m" + i);
            }
            d.send(new io.connmgr.protocol.message.Ack(20));
            await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/devices/dev-k/messages/"
                    + ids.getLast(), backend, null, 200).contains("\"status\":\"delivered\""));
        }
    }

    private String send(String method, String path, String token, String body, int expectedStatus)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expectedStatus);
        return r.body();
    }

    private static String field(String json, String name) {
        return json.replaceAll(".*\"" + name + "\":\"([^\"]+)\".*", "$1");
    }

    private static boolean which(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
