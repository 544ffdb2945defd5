package io.connmgr.loadtest.relay;

import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.CommandLines;
import io.connmgr.loadtest.backend.DurationOption;
import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.loadtest.launch.ModuleProcess;
import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.report.ProcessSampler;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cm loadtest relay}: bulk copies from a back-end to a device-side sink through the appliance's SOCKS5 port and
 * the client agent, in both stream modes, next to a direct loopback copy and HAProxy relaying the same bytes, all in
 * one run so the ratios hold even where the absolute rates drift. The report's figures are the median MB/s of each
 * route, the ratios of the appliance's routes to HAProxy and to the direct copy, and the CPU time each relaying
 * process spent per GB moved.
 */
@Command(name = "relay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Stream relay throughput: direct copy, HAProxy, and the appliance in both stream modes.")
public final class RelayCommand implements Callable<Integer> {
    private static final String DEVICE = "relay-dev";
    private static final int DEVICE_SIDE_PORT = 9000;
    private static final double TICKS_PER_SECOND = 100.0;

    @Spec
    CommandSpec spec;

    @Option(names = "--bytes", description = "bytes per transfer (default ${DEFAULT-VALUE})")
    long bytes = 1L << 30;

    @Option(names = "--runs", description = "transfers per route; the median is reported (default ${DEFAULT-VALUE})")
    int runs = 3;

    @Option(names = "--stream-window", description = "agent and appliance stream window (default ${DEFAULT-VALUE})")
    String streamWindow = "256KiB";

    @Option(names = "--sample-interval", defaultValue = "1s", converter = DurationOption.class, description = "how often the appliance is sampled (default ${DEFAULT-VALUE})")
    Duration sampleInterval = Duration.ofSeconds(1);

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("relay-report.json");

    @Option(names = "--repo", description = "repository root (default: found from this program)")
    Path repo;

    /**
     * One route's result.
     *
     * @param key            figure prefix: direct, haproxy, multiplexed, data_connection
     * @param cpuSecondsPerGb CPU seconds per GB moved of each relaying process, by name
     */
    record Route(String key, String name, double mbPerSecond, List<Double> runsMbPerSecond,
                 Map<String, Double> cpuSecondsPerGb, String note) {
    }

    private final TimeSeries series = new TimeSeries();
    private final long origin = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        if (bytes < 1 || runs < 1) {
            throw new IllegalArgumentException("--bytes and --runs must be positive");
        }
        Path root = repo != null ? repo.toAbsolutePath() : RepoRoot.find();
        Path work = Files.createTempDirectory("cm-relay-");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("bytes", bytes);
        params.put("runs", runs);
        params.put("stream_window", streamWindow);
        Report report = new Report("relay", CommandLines.of(spec), params);
        List<Route> routes = new ArrayList<>();
        try (CountingSink sink = new CountingSink()) {
            routes.add(measure("direct", "direct", new Transfer.Direct(sink.port()), Map.of(), ""));
            routes.add(haproxy(sink, work));
            for (String mode : List.of("multiplexed", "data-connection")) {
                routes.add(appliance(root, work, sink, mode, report));
            }
        }
        print(routes);
        addTo(report, routes);
        report.series(series);
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return routes.stream().anyMatch(r -> r.mbPerSecond() <= 0 && !r.key().equals("haproxy")) ? 1 : 0;
    }

    /** A warm-up transfer, then {@code runs} measured ones; CPU of {@code relays} (name → pid) over the measured. */
    private Route measure(String key, String name, Transfer.Route route, Map<String, Long> relays, String note)
            throws IOException {
        Transfer.run(route, Math.min(bytes, 64L << 20)); // warm-up: JIT, TCP buffers, the relay's own warm-up
        Map<String, Long> cpuBefore = new LinkedHashMap<>();
        for (Map.Entry<String, Long> r : relays.entrySet()) {
            cpuBefore.put(r.getKey(), ProcFiles.cpuTicks(r.getValue()));
        }
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long nanos = Transfer.run(route, bytes);
            rates.add(bytes / 1e6 / (nanos / 1e9));
        }
        Map<String, Double> cpu = new LinkedHashMap<>();
        double gb = (double) bytes * runs / 1e9;
        for (Map.Entry<String, Long> r : relays.entrySet()) {
            cpu.put(r.getKey(), (ProcFiles.cpuTicks(r.getValue()) - cpuBefore.get(r.getKey())) / TICKS_PER_SECOND / gb);
        }
        double median = median(rates);
        System.err.printf("%-28s %9.1f MB/s  %s%n", name, median, rates);
        return new Route(key, name, median, rates, cpu, note);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private Route haproxy(CountingSink sink, Path work) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/haproxy"))) {
            return new Route("haproxy", "haproxy", 0, List.of(), Map.of(),
                    "not installed (apt-get install haproxy)");
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
            return measure("haproxy", "haproxy", new Transfer.Direct(port), Map.of("haproxy", p.pid()),
                    "HAProxy, mode tcp, default threads");
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    private Route appliance(Path root, Path work, CountingSink sink, String mode, Report report) throws Exception {
        Path data = Files.createDirectories(work.resolve("appliance-" + mode));
        int devicePort = ModuleProcess.freePort();
        int adminPort = ModuleProcess.freePort();
        int proxyPort = ModuleProcess.freePort();
        String key = mode.replace('-', '_');
        try {
            return relayThroughAppliance(root, data, sink, mode, key, devicePort, adminPort, proxyPort, report);
        } finally {
            BackendSession.deleteStore(data.resolve("store"));
        }
    }

    private Route relayThroughAppliance(Path root, Path data, CountingSink sink, String mode, String key,
                                        int devicePort, int adminPort, int proxyPort, Report report)
            throws Exception {
        try (ModuleProcess appliance = ModuleProcess.start(root, "appliance", "io.connmgr.appliance.ApplianceMain",
                List.of("--data-dir", data.toString(), "--bind-address", "127.0.0.1", "--admin-bind-address",
                        "127.0.0.1", "--proxy-bind-address", "127.0.0.1", "--device-port", "" + devicePort,
                        "--admin-port", "" + adminPort, "--proxy-port", "" + proxyPort, "--control-port=-1",
                        "--proxy-trusted-sources", "127.0.0.0/8", "--stream-window", streamWindow),
                data.resolve("appliance.log"))) {
            awaitPort(adminPort, appliance::isAlive, "appliance (log: " + appliance.log() + ")");
            byte[] fleetKey = HexFormat.of().parseHex(Files.readString(data.resolve("fleet.key")).trim());
            String token = new String(new FleetToken(fleetKey).credential(DEVICE), StandardCharsets.US_ASCII);
            AdminClient admin = new AdminClient(adminPort, Files.readString(data.resolve("admin.token")).trim());
            try (ModuleProcess agent = ModuleProcess.start(root, "client-agent", "io.connmgr.agent.AgentMain",
                    List.of("--appliance", "127.0.0.1:" + devicePort, "--device-id", DEVICE, "--token", token,
                            "--expose", DEVICE_SIDE_PORT + "=127.0.0.1:" + sink.port(), "--stream-mode", mode,
                            "--stream-window", streamWindow),
                    data.resolve("agent.log"));
                 ProcessSampler sampler = new ProcessSampler(appliance.pid(), admin, null)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (admin.stats().total() < 1) {
                    if (System.nanoTime() > deadline || !agent.isAlive()) {
                        throw new IOException("the agent did not connect; see " + agent.log());
                    }
                    Thread.sleep(100);
                }
                double offset = (System.nanoTime() - origin) / 1e9;
                sampler.start(Math.max(50, sampleInterval.toMillis()));
                Route r = measure(key, "appliance " + mode, new Transfer.Socks5(proxyPort, DEVICE, DEVICE_SIDE_PORT),
                        Map.of("appliance", appliance.pid(), "agent", agent.pid()),
                        "SOCKS5 -> appliance -> agent (" + mode + ", window " + streamWindow + ") -> sink");
                sampler.sample();
                sampler.close();
                report.figure(key + "_appliance_peak_rss_bytes", sampler.peakRssBytes());
                report.figure(key + "_appliance_peak_cpu_cores", sampler.peakCpuCores());
                append(series, sampler.series(), offset, key + "_");
                return r;
            }
        }
    }

    /** Copies the rows of {@code from} into {@code to}, {@code offset} seconds later, each column name prefixed. */
    static void append(TimeSeries to, TimeSeries from, double offset, String prefix) {
        Map<String, Object> m = from.toMap();
        @SuppressWarnings("unchecked")
        List<Number> t = (List<Number>) m.get("t_s");
        for (int i = 0; i < t.size(); i++) {
            Map<String, Number> row = new LinkedHashMap<>();
            for (Map.Entry<String, Object> c : m.entrySet()) {
                if (!c.getKey().equals("t_s")) {
                    Number v = (Number) ((List<?>) c.getValue()).get(i);
                    if (v != null) {
                        row.put(prefix + c.getKey(), v);
                    }
                }
            }
            to.add(offset + t.get(i).doubleValue(), row);
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

    /**
     * Figures: {@code ROUTE_mb_per_s} for each route that ran, {@code ROUTE_to_haproxy_ratio} and
     * {@code ROUTE_to_direct_ratio} for the relays, {@code ROUTE_PROCESS_cpu_s_per_gb} (HAProxy's: {@code haproxy_cpu_s_per_gb}); the runs of each route and
     * its description as notes.
     */
    static void addTo(Report report, List<Route> routes) {
        Map<String, Double> rate = new LinkedHashMap<>();
        for (Route r : routes) {
            if (r.mbPerSecond() > 0) {
                rate.put(r.key(), r.mbPerSecond());
                report.figure(r.key() + "_mb_per_s", r.mbPerSecond());
            }
            r.cpuSecondsPerGb().forEach((process, v) -> report.figure(
                    (process.equals(r.key()) ? r.key() : r.key() + "_" + process) + "_cpu_s_per_gb", v));
            report.note(r.key(), (r.note().isEmpty() ? "" : r.note() + "; ") + "MB/s of each run: "
                    + r.runsMbPerSecond());
            if (r.mbPerSecond() <= 0) {
                report.error(r.key() + "_not_measured", 1);
            }
        }
        for (Route r : routes) {
            if (r.key().equals("direct") || !rate.containsKey(r.key())) {
                continue;
            }
            if (!r.key().equals("haproxy") && rate.containsKey("haproxy")) {
                report.figure(r.key() + "_to_haproxy_ratio", rate.get(r.key()) / rate.get("haproxy"));
            }
            if (rate.containsKey("direct")) {
                report.figure(r.key() + "_to_direct_ratio", rate.get(r.key()) / rate.get("direct"));
            }
        }
    }
}
