package io.connmgr.appliance.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.appliance.auth.SecretFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The appliance is killed with SIGKILL again and again while devices send uplink messages and a back-end sends
 * downlink messages, each through real sockets to a real appliance process. Afterwards every downlink message the
 * back-end got a 202 for has reached its device's application exactly once and in order, and every uplink message a
 * device got an ACK for has reached the webhook, journaled once.
 *
 * <p>{@code -Dcrash.cycles=N -Dcrash.devices=M} run a longer series by hand (docs/reliability.md).
 */
class CrashCycleTest {
    private static final Logger log = LoggerFactory.getLogger(CrashCycleTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<DeviceClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
    private HttpServer webhook;
    private int devicePort;
    private int adminPort;

    @AfterEach
    void stop() {
        load.shutdownNow();
        clients.forEach(DeviceClient::close);
        processes.forEach(Process::destroyForcibly);
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    /** What the webhook received: position → payload, and how often a position came again. */
    private final Map<Long, String> webhookByPosition = new ConcurrentHashMap<>();
    private final AtomicLong webhookRepeats = new AtomicLong();

    @Test
    void killedAgainAndAgainUnderLoad_losesNothingAcknowledged_andDeliversEachMessageOnce() throws Exception {
        int cycles = Integer.getInteger("crash.cycles", 3);
        int deviceCount = Integer.getInteger("crash.devices", 8);
        startWebhook();
        devicePort = freePort();
        adminPort = freePort();
        startAppliance(0);
        String adminToken = Files.readString(dir.resolve("data").resolve(SecretFiles.ADMIN_TOKEN)).trim();
        String backend = field(call("POST", "/v1/backends", adminToken, "{\"name\":\"b\"}"), "token");

        Map<String, List<String>> delivered = new ConcurrentHashMap<>();
        Map<String, Set<String>> acceptedDownlinks = new ConcurrentHashMap<>();
        Set<String> ackedUplinks = ConcurrentHashMap.newKeySet();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < deviceCount; i++) {
            String id = "crash-" + i;
            ids.add(id);
            String token = field(call("POST", "/v1/devices", adminToken, "{\"device_id\":\"" + id + "\"}"),
                    "token");
            List<String> got = new CopyOnWriteArrayList<>();
            delivered.put(id, got);
            acceptedDownlinks.put(id, ConcurrentHashMap.newKeySet());
            clients.add(DeviceClient.builder().appliance("127.0.0.1", devicePort).deviceId(id).token(token)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                    .listener(new DeviceClientListener() {
                        @Override
                        public void onMessage(long seq, byte[] payload) {
                            got.add(new String(payload, StandardCharsets.UTF_8));
                        }
                    }).build().start());
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong uplinkCounter = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        load.scheduleWithFixedDelay(() -> {
            // The webhook takes one message at a time: the devices send no faster than it can follow, so that the
            // final wait measures what arrived, not how far behind the receiver is.
            if (!running.get() || ackedUplinks.size() - webhookByPosition.size() > 500) {
                return;
            }
            for (int i = 0; i < clients.size(); i++) {
                if (outstanding.get() > 4L * clients.size()) {
                    break;
                }
                String payload = "u:" + ids.get(i) + ":" + uplinkCounter.incrementAndGet();
                outstanding.incrementAndGet();
                clients.get(i).send(payload.getBytes(StandardCharsets.UTF_8)).whenComplete((seq, e) -> {
                    outstanding.decrementAndGet();
                    if (e == null) {
                        ackedUplinks.add(payload);
                    }
                });
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        AtomicLong downlinkCounter = new AtomicLong();
        load.scheduleWithFixedDelay(() -> {
            if (!running.get()) {
                return;
            }
            String id = ids.get((int) (downlinkCounter.get() % ids.size()));
            String payload = "d:" + id + ":" + downlinkCounter.incrementAndGet();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin("/v1/devices/" + id + "/messages"))
                                .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + backend)
                                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) {
                    acceptedDownlinks.get(id).add(payload);
                }
            } catch (IOException e) {
                // the appliance is down: not accepted, nothing promised
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 0, 5, TimeUnit.MILLISECONDS);

        for (int cycle = 1; cycle <= cycles; cycle++) {
            int uplinksBefore = ackedUplinks.size();
            int downlinksBefore = total(acceptedDownlinks);
            await().atMost(Duration.ofSeconds(60)).until(() -> ackedUplinks.size() >= uplinksBefore + 20
                    && total(acceptedDownlinks) >= downlinksBefore + 20);
            Process p = processes.getLast();
            p.destroyForcibly(); // SIGKILL: no drain, no flush
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            log.info("cycle {}: killed with {} uplinks acked and {} downlinks accepted so far", cycle,
                    ackedUplinks.size(), total(acceptedDownlinks));
            startAppliance(cycle);
        }
        running.set(false);
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(delivered.get(id)).as("downlinks delivered to " + id)
                        .containsAll(acceptedDownlinks.get(id));
            }
            assertThat(webhookByPosition.values()).containsAll(ackedUplinks);
        });

        for (String id : ids) {
            List<String> got = delivered.get(id);
            assertThat(got).as("no downlink delivered twice to " + id).doesNotHaveDuplicates();
            assertThat(counters(got)).as("downlinks reach " + id + " in the order they were accepted").isSorted();
        }
        List<String> journaled = new ArrayList<>(new java.util.TreeMap<>(webhookByPosition).values());
        assertThat(journaled).as("no uplink journaled twice").doesNotHaveDuplicates();
        Map<String, List<Long>> uplinkOrder = new HashMap<>();
        for (String payload : journaled) {
            String[] parts = payload.split(":");
            uplinkOrder.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(Long.parseLong(parts[2]));
        }
        uplinkOrder.forEach((id, order) -> assertThat(order).as("uplinks of " + id + " in order").isSorted());
        Set<String> unacked = new HashSet<>(journaled);
        unacked.removeAll(ackedUplinks);
        System.out.printf("crash-cycle summary: %d cycles, %d devices: %d downlinks accepted and delivered once; "
                        + "%d uplinks acked, %d journaled (%d journaled whose ACK the kill took), webhook repeats "
                        + "after a kill: %d%n", cycles,
                deviceCount, total(acceptedDownlinks), ackedUplinks.size(), journaled.size(), unacked.size(),
                webhookRepeats.get());
    }

    private static List<Long> counters(List<String> payloads) {
        return payloads.stream().map(p -> Long.parseLong(p.substring(p.lastIndexOf(':') + 1))).toList();
    }

    private static int total(Map<String, Set<String>> byDevice) {
        return byDevice.values().stream().mapToInt(Set::size).sum();
    }

    private void startWebhook() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/hook", exchange -> {
            JsonNode json = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String payload = new String(java.util.Base64.getDecoder().decode(json.get("payload").textValue()),
                    StandardCharsets.UTF_8);
            if (webhookByPosition.put(json.get("position").longValue(), payload) != null) {
                webhookRepeats.incrementAndGet();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
    }

    private void startAppliance(int run) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                "io.connmgr.appliance.ApplianceMain",
                "--data-dir", dir.resolve("data").toString(),
                "--bind-address", "127.0.0.1", "--admin-bind-address", "127.0.0.1",
                "--device-port", Integer.toString(devicePort), "--admin-port", Integer.toString(adminPort),
                "--proxy-port", "0", "--control-port=-1", "--drain-deadline", "1s",
                "--webhook-url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("appliance-" + run + ".log").toFile()).start();
        processes.add(p);
        await().atMost(Duration.ofSeconds(120)).until(() -> status("/readyz") == 200);
    }

    private URI admin(String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(admin(path)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String call(String method, String path, String token, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(path))
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r.body();
    }

    private static String field(String json, String name) {
        return json.replaceAll(".*\"" + name + "\":\"([^\"]+)\".*", "$1");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
