package io.connmgr.loadtest.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.loadtest.launch.ModuleProcess;
import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.probe.AdminClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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

/**
 * {@code cm loadtest relay}: bulk copies from a back-end to a device-side sink through the appliance's SOCKS5 port and
 * the client agent, in both stream modes, next to a direct loopback copy and HAProxy relaying the same bytes, all in
 * one run so the ratios hold even where the absolute rates drift.
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Stream relay throughput: direct copy, HAProxy, and the appliance in both stream modes.")
public final class RelayCommand implements Callable<Integer> {
    private static final String DEVICE = "relay-dev";
    private static final int DEVICE_SIDE_PORT = 9000;

    @Option(names = "--bytes", description = "bytes per transfer (default ${DEFAULT-VALUE})")
    long bytes = 1L << 30;

    @Option(names = "--runs", description = "transfers per route; the median is reported (default ${DEFAULT-VALUE})")
    int runs = 3;

    @Option(names = "--stream-window", description = "agent and appliance stream window (default ${DEFAULT-VALUE})")
    String streamWindow = "256KiB";

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("relay-report.json");

    @Option(names = "--repo", description = "repository root (default: found from this program)")
    Path repo;

    record Route(String name, double mbPerSecond, List<Double> runsMbPerSecond, String note) {
    }

    @Override
    public Integer call() throws Exception {
        Path root = repo != null ? repo.toAbsolutePath() : RepoRoot.find();
        Path work = Files.createTempDirectory("cm-relay-");
        List<Route> routes = new ArrayList<>();
        try (CountingSink sink = new CountingSink()) {
            routes.add(measure("direct", new Transfer.Direct(sink.port()), ""));
            routes.add(haproxy(sink, work));
            for (String mode : List.of("multiplexed", "data-connection")) {
                routes.add(appliance(root, work, sink, mode));
            }
        }
        print(routes);
        write(routes);
        return routes.stream().anyMatch(r -> r.mbPerSecond() <= 0) ? 1 : 0;
    }

    private Route measure(String name, Transfer.Route route, String note) throws IOException {
        Transfer.run(route, Math.min(bytes, 64L << 20)); // warm-up: JIT, TCP buffers, the relay's own warm-up
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long nanos = Transfer.run(route, bytes);
            rates.add(bytes / 1e6 / (nanos / 1e9));
        }
        List<Double> sorted = rates.stream().sorted().toList();
        double median = sorted.get(sorted.size() / 2);
        System.err.printf("%-28s %9.1f MB/s  %s%n", name, median, rates);
        return new Route(name, median, rates, note);
    }

    private Route haproxy(CountingSink sink, Path work) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/haproxy"))) {
            return new Route("haproxy", 0, List.of(), "not installed (apt-get install haproxy)");
        }
        int port = ModuleProcess.freePort();
        Path cfg = work.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n", "global", "  maxconn 64", "defaults", "  mode tcp",
                "  timeout connect 5s", "  timeout client 120s", "  timeout server 120s", "listen relay",
                "  bind 127.0.0.1:" + port, "  server sink 127.0.0.1:" + sink.port(), ""));
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("haproxy.log").toFile()).start();
        try {
            awaitPort(port, p::isAlive, "haproxy");
            return measure("haproxy", new Transfer.Direct(port), "HAProxy 2.x, mode tcp, default threads");
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    private Route appliance(Path root, Path work, CountingSink sink, String mode) throws Exception {
        Path data = Files.createDirectories(work.resolve("appliance-" + mode));
        int devicePort = ModuleProcess.freePort();
        int adminPort = ModuleProcess.freePort();
        int proxyPort = ModuleProcess.freePort();
        try (ModuleProcess appliance = ModuleProcess.start(root, "appliance", "io.connmgr.appliance.ApplianceMain",
                List.of("--data-dir", data.toString(), "--bind-address", "127.0.0.1", "--admin-bind-address",
                        "127.0.0.1", "--proxy-bind-address", "127.0.0.1", "--device-port", "" + devicePort,
                        "--admin-port", "" + adminPort, "--proxy-port", "" + proxyPort,
                        "--proxy-trusted-sources", "127.0.0.0/8", "--stream-window", streamWindow),
                data.resolve("appliance.log"))) {
            awaitPort(adminPort, appliance::isAlive, "appliance (log: " + appliance.log() + ")");
            byte[] key = HexFormat.of().parseHex(Files.readString(data.resolve("fleet.key")).trim());
            String token = new String(new FleetToken(key).credential(DEVICE), StandardCharsets.US_ASCII);
            AdminClient admin = new AdminClient(adminPort, Files.readString(data.resolve("admin.token")).trim());
            try (ModuleProcess agent = ModuleProcess.start(root, "client-agent", "io.connmgr.agent.AgentMain",
                    List.of("--appliance", "127.0.0.1:" + devicePort, "--device-id", DEVICE, "--token", token,
                            "--expose", DEVICE_SIDE_PORT + "=127.0.0.1:" + sink.port(), "--stream-mode", mode,
                            "--stream-window", streamWindow),
                    data.resolve("agent.log"))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (admin.stats().total() < 1) {
                    if (System.nanoTime() > deadline || !agent.isAlive()) {
                        throw new IOException("the agent did not connect; see " + agent.log());
                    }
                    Thread.sleep(100);
                }
                return measure("appliance " + mode, new Transfer.Socks5(proxyPort, DEVICE, DEVICE_SIDE_PORT),
                        "SOCKS5 -> appliance -> agent (" + mode + ", window " + streamWindow + ") -> sink");
            }
        }
    }

    private static void awaitPort(int port, java.util.function.BooleanSupplier alive, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive.getAsBoolean()) {
                throw new IOException(what + " exited before listening");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException(what + " is not listening on " + port + " after 30 s");
    }

    private void print(List<Route> routes) {
        double direct = routes.getFirst().mbPerSecond();
        double haproxy = routes.get(1).mbPerSecond();
        System.out.printf("%-28s %10s %9s %11s%n", "route", "MB/s", "of direct", "of HAProxy");
        for (Route r : routes) {
            System.out.printf("%-28s %10.1f %8.0f%% %10s%n", r.name(), r.mbPerSecond(), 100 * r.mbPerSecond() / direct,
                    haproxy > 0 ? "%.0f%%".formatted(100 * r.mbPerSecond() / haproxy) : "-");
        }
    }

    private void write(List<Route> routes) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("scenario", "relay");
        report.put("date", Instant.now().toString());
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version"),
                "jdk", Runtime.version().toString()));
        report.put("parameters", Map.of("bytes", bytes, "runs", runs, "stream_window", streamWindow));
        report.put("routes", routes);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        System.out.println("report: " + out.toAbsolutePath());
    }
}
