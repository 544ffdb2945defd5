package io.connmgr.loadtest.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.loadtest.launch.ModuleProcess;
import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.wire.CmdOpcode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code cm loadtest backend}: what a back-end server sees through the control channel. RPC latency to sleeping devices
 * (each call wakes one) next to the same RPC to ACTIVE ones, at a fixed rate with coordinated-omission correction; then
 * downlink messages pushed to ACTIVE devices as fast as they are accepted (durably), with end-to-end latency measured
 * at the devices. Devices run in this process on one event loop; the appliance is its own process.
 */
@Command(name = "backend", mixinStandardHelpOptions = true,
        description = "RPC latency to sleeping and active devices, and downlink message throughput and latency.")
public final class BackendLatencyCommand implements Callable<Integer> {

    @Option(names = "--devices", description = "devices (default ${DEFAULT-VALUE})")
    int devices = 200;

    @Option(names = "--rpcs", description = "RPCs per tier (default ${DEFAULT-VALUE})")
    int rpcs = 2000;

    @Option(names = "--rate", description = "RPCs per second (default ${DEFAULT-VALUE})")
    int rate = 200;

    @Option(names = "--warmup", description = "unmeasured RPCs before the measured ones, so that the JIT has compiled "
            + "the paths being measured (default ${DEFAULT-VALUE})")
    int warmup = 2000;

    @Option(names = "--messages", description = "downlink messages pushed (default ${DEFAULT-VALUE})")
    int messages = 50_000;

    @Option(names = "--in-flight", description = "messages awaiting acceptance at once (default ${DEFAULT-VALUE})")
    int inFlight = 256;

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("backend-report.json");

    @Option(names = "--repo", description = "repository root (default: found from this program)")
    Path repo;

    private final Histogram delivery = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);

    @Override
    public Integer call() throws Exception {
        Path root = repo != null ? repo.toAbsolutePath() : RepoRoot.find();
        Path data = Files.createTempDirectory("cm-backend-");
        int devicePort = ModuleProcess.freePort();
        int adminPort = ModuleProcess.freePort();
        int controlPort = ModuleProcess.freePort();
        Map<String, Object> report = new LinkedHashMap<>();
        try (ModuleProcess appliance = ModuleProcess.start(root, "appliance", "io.connmgr.appliance.ApplianceMain",
                List.of("--data-dir", data.toString(), "--bind-address", "127.0.0.1", "--admin-bind-address",
                        "127.0.0.1", "--device-port", "" + devicePort, "--admin-port", "" + adminPort,
                        "--control-port", "" + controlPort, "--control-bind-address", "127.0.0.1",
                        "--proxy-enabled", "false", "--idle-after", "1s", "--sleep-after", "2s",
                        "--message-queue-max", "100000"),
                data.resolve("appliance.log"))) {
            awaitFile(data.resolve("admin.token"), appliance);
            AdminClient admin = new AdminClient(adminPort, Files.readString(data.resolve("admin.token")).trim());
            awaitAdmin(admin, appliance);
            String backendToken = createBackend(adminPort, Files.readString(data.resolve("admin.token")).trim());
            byte[] key = HexFormat.of().parseHex(Files.readString(data.resolve("fleet.key")).trim());
            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            List<DeviceClient> fleet = new ArrayList<>();
            try (BackendClient backend = BackendClient.builder().host("127.0.0.1").port(controlPort)
                    .credentials("bench", backendToken).build()) {
                backend.connect().get(10, TimeUnit.SECONDS);
                FleetToken tokens = new FleetToken(key);
                for (int i = 0; i < devices; i++) {
                    String id = "bench-" + i;
                    fleet.add(DeviceClient.builder().appliance("127.0.0.1", devicePort).deviceId(id)
                            .token(new String(tokens.credential(id), StandardCharsets.US_ASCII))
                            .eventLoopGroup(loop)
                            .rpcHandler((method, body) -> CompletableFuture.completedFuture(body))
                            .listener(new DeviceClientListener() {
                                @Override
                                public void onMessage(long seq, byte[] payload) {
                                    long sent = ByteBuffer.wrap(payload).getLong();
                                    delivery.recordValue(Math.max(0, System.nanoTime() - sent));
                                }
                            })
                            .build().start());
                }
                await("every device connected", () -> fleet.stream()
                        .allMatch(d -> d.state() == ConnectionState.CONNECTED));
                await("every device asleep", () -> admin.stats().sleep() >= devices);
                if (warmup > 0) {
                    rpcRun(backend, "warm-up", warmup);
                    await("every device asleep again", () -> admin.stats().sleep() >= devices);
                }
                report.put("rpc_sleep", rpcRun(backend, "sleeping", rpcs));

                for (DeviceClient d : fleet) {
                    d.command(CmdOpcode.SET_ALWAYS_ACTIVE, 1).get(10, TimeUnit.SECONDS);
                }
                await("every device active", () -> admin.stats().active() >= devices);
                report.put("rpc_active", rpcRun(backend, "active", rpcs));
                report.put("messages_active", pushRun(backend));
            } finally {
                fleet.forEach(DeviceClient::close);
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
        report.put("scenario", "backend");
        report.put("date", Instant.now().toString());
        report.put("parameters", Map.of("devices", devices, "rpcs", rpcs, "warmup", warmup, "rate", rate,
                "messages", messages, "in_flight", inFlight));
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version"),
                "jdk", Runtime.version().toString()));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        System.out.println("report: " + out.toAbsolutePath());
        return 0;
    }

    /** Fixed-rate RPCs to random devices; latency corrected for coordinated omission against the schedule. */
    private Map<String, Object> rpcRun(BackendClient backend, String tier, int rpcs) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong failures = new AtomicLong();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int i = 0; i < rpcs; i++) {
            long due = start + i * interval;
            for (long now; (now = System.nanoTime()) < due; ) {
                TimeUnit.NANOSECONDS.sleep(Math.min(due - now, 1_000_000));
            }
            String id = "bench-" + ThreadLocalRandom.current().nextInt(devices);
            byte[] body = ("ping " + i).getBytes(StandardCharsets.UTF_8);
            // Latency from when the call was due, not when it was sent: a stalled sender does not hide the stall.
            calls.add(backend.rpc(id, "echo", body, Duration.ofSeconds(10)).whenComplete((r, e) -> {
                if (e != null) {
                    failures.incrementAndGet();
                } else {
                    synchronized (h) {
                        h.recordValue(System.nanoTime() - due);
                    }
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                .get(60, TimeUnit.SECONDS);
        Map<String, Object> r = percentiles(h);
        r.put("failures", failures.get());
        System.err.printf("rpc to %-8s devices: %s%n", tier, r);
        return r;
    }

    /** Pushes messages to random ACTIVE devices with a bounded number awaiting acceptance. */
    private Map<String, Object> pushRun(BackendClient backend) throws Exception {
        delivery.reset();
        Histogram accept = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Semaphore window = new Semaphore(inFlight);
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            window.acquire();
            String id = "bench-" + ThreadLocalRandom.current().nextInt(devices);
            long sent = System.nanoTime();
            byte[] payload = ByteBuffer.allocate(64).putLong(sent).array();
            backend.send(id, payload, null, null).whenComplete((mid, e) -> {
                window.release();
                if (e != null) {
                    failures.incrementAndGet();
                } else {
                    synchronized (accept) {
                        accept.recordValue(System.nanoTime() - sent);
                    }
                }
            });
        }
        window.acquire(inFlight);
        long acceptedNanos = System.nanoTime() - start;
        await("every message delivered", () -> delivery.getTotalCount() >= messages - failures.get());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("messages", messages);
        r.put("failures", failures.get());
        r.put("accepted_per_second", Math.round(messages / (acceptedNanos / 1e9)));
        r.put("accept_latency", percentiles(accept));
        r.put("end_to_end_latency", percentiles(delivery));
        System.err.printf("messages: %s%n", r);
        return r;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("count", h.getTotalCount());
        for (double p : new double[]{50, 90, 99, 99.9}) {
            r.put("p" + (p == Math.floor(p) ? Integer.toString((int) p) : Double.toString(p)) + "_ms",
                    h.getValueAtPercentile(p) / 1e6);
        }
        r.put("max_ms", h.getMaxValue() / 1e6);
        return r;
    }

    private static String createBackend(int adminPort, String adminToken) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/v1/backends"))
                .header("Authorization", "Bearer " + adminToken)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("creating the back-end credential: " + r.statusCode() + " " + r.body());
        }
        return r.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
    }

    private static void awaitFile(Path file, ModuleProcess appliance) throws Exception {
        await("appliance start-up (" + appliance.log() + ")", () -> {
            if (!appliance.isAlive()) {
                throw new IOException("appliance exited; see " + appliance.log());
            }
            return Files.exists(file);
        });
    }

    private static void awaitAdmin(AdminClient admin, ModuleProcess appliance) throws Exception {
        await("admin API", () -> {
            if (!appliance.isAlive()) {
                throw new IOException("appliance exited; see " + appliance.log());
            }
            try {
                admin.stats();
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    @FunctionalInterface
    private interface Check {
        boolean done() throws Exception;
    }

    /** Polls for at most 60 s: a benchmark that cannot get going stops by itself. */
    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!check.done()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("gave up waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
