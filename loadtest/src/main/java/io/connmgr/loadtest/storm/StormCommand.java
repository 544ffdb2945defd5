package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.density.DensityCommand.DurationConverter;
import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.launch.Mosquitto;
import io.connmgr.loadtest.launch.MosquittoPeer;
import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cm loadtest storm}: every device reconnects at once, because the appliance restarted or every connection
 * dropped. Reports the time until all are back, what failed on the way, and the appliance's peak RSS and CPU; with
 * {@code --peer mosquitto}, the same storm against mosquitto in the same run, and the ratios.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = {"Every device reconnects at once: the appliance restarts (--mode restart) or every connection "
                + "drops (--mode drop). Reports the time until all N are back, failures, reconnect attempts, and peak "
                + "appliance RSS and CPU; with --peer mosquitto, the same storm against mosquitto and the ratios.",
                "The devices come back on their own, as the agent does: full-jitter exponential backoff between "
                        + "--backoff-initial and --backoff-cap, honouring GOAWAY reconnect-after."})
public final class StormCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--devices", defaultValue = "1000", description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--mode", defaultValue = "restart",
            description = "restart: the server process is ended and started again on the same data and port; "
                    + "drop: every device closes its connection and reconnects at once (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--signal", defaultValue = "kill",
            description = "How a restart ends the server: kill (SIGKILL, a crash: no goodbye) or term (SIGTERM: the "
                    + "appliance drains, sending GOAWAY with a reconnect-after) (default: ${DEFAULT-VALUE}).")
    String signal;

    @Option(names = "--peer", description = "Run the same storm against this peer too: mosquitto.")
    String peer;

    @Option(names = "--rate", defaultValue = "0",
            description = "Devices per second of the first connect; 0 = as fast as the workers allow (default: "
                    + "${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--keep-alive", defaultValue = "0",
            description = "Keep-alive the devices ask for, in seconds; 0: the appliance's choice, and 60 s for MQTT "
                    + "(default: ${DEFAULT-VALUE}).")
    int keepAlive;

    @Option(names = "--backoff-initial", defaultValue = "1s", converter = DurationConverter.class,
            description = "Ceiling of the first reconnect window, as the agent's backoff-initial (default: "
                    + "${DEFAULT-VALUE}).")
    Duration backoffInitial;

    @Option(names = "--backoff-cap", defaultValue = "60s", converter = DurationConverter.class,
            description = "Largest reconnect window, as the agent's backoff-cap (default: ${DEFAULT-VALUE}).")
    Duration backoffCap;

    @Option(names = "--handshake-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "A connection not established (WELCOME, CONNACK) by then is given up and retried "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--connect-timeout", defaultValue = "180s", converter = DurationConverter.class,
            description = "Longest wait for the first connect (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--hold", defaultValue = "3s", converter = DurationConverter.class,
            description = "Time all devices stay connected before the storm (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
            description = "Longest wait for all devices to come back (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--start-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "Longest wait for the appliance to answer its admin API, at start and after the restart; "
                    + "a busy machine needs more (default: ${DEFAULT-VALUE}).")
    Duration startTimeout;

    @Option(names = "--tail", defaultValue = "2s", converter = DurationConverter.class,
            description = "Sampling after all are back (default: ${DEFAULT-VALUE}).")
    Duration tail;

    @Option(names = "--sample-interval", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Time between two samples (default: ${DEFAULT-VALUE}).")
    Duration sampleInterval;

    @Option(names = "--devices-per-worker", defaultValue = "8000",
            description = "Devices one worker process holds, under the open-file limit (default: ${DEFAULT-VALUE}).")
    int devicesPerWorker;

    @Option(names = "--file-limit", defaultValue = "20000",
            description = "Open-file limit per process that workers must stay under (default: ${DEFAULT-VALUE}).")
    long fileLimit;

    @Option(names = "--appliance-jvm-opts", defaultValue = "-Xmx1g",
            description = "JVM options of the appliance, besides those bin/cm always passes (default: "
                    + "${DEFAULT-VALUE}).")
    String applianceJvmOpts;

    @Option(names = "--worker-jvm-opts", defaultValue = "-Xmx1g -XX:+UseSerialGC",
            description = "JVM options of the fleet workers (default: ${DEFAULT-VALUE}).")
    String workerJvmOpts;

    @Option(names = "--appliance-arg",
            description = "Extra appliance flag, repeatable (e.g. --appliance-arg=--reconnect-after-max=5s).")
    List<String> applianceArgs = new ArrayList<>();

    @Option(names = "--report", defaultValue = "storm-report.json",
            description = "JSON report file (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--repo", description = "Repository root holding the built appliance (default: found from this "
            + "program's location).")
    Path repo;

    @Option(names = "--keep-logs", description = "Keep the scratch directory (server and worker logs).")
    boolean keepLogs;

    private final List<AutoCloseable> running = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        StormSettings.StormMode stormMode;
        boolean kill;
        try {
            stormMode = parseMode(mode);
            kill = parseSignal(signal);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (devices < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--devices must be at least 1");
        }
        if (peer != null && !peer.equals(MosquittoPeer.NAME)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--peer knows only " + MosquittoPeer.NAME + ", not " + peer);
        }
        if (peer != null && Mosquitto.find().isEmpty()) {
            System.err.println("cm loadtest storm: --peer mosquitto: " + Mosquitto.notInstalledMessage());
            return Mosquitto.EXIT_NOT_INSTALLED;
        }
        Thread hook = new Thread(this::closeRunning, "storm-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Path scratch = Files.createTempDirectory("cm-storm-");
        LiveWorkers.Options workers = new LiveWorkers.Options(LiveWorkers.Protocol.CONNMGR, keepAlive, backoffInitial,
                backoffCap, handshakeTimeout, devicesPerWorker, fileLimit, words(workerJvmOpts));
        Report r = new Report("storm", command(), parameters(stormMode, kill));
        boolean ok = true;
        try {
            StormSettings applianceSettings = settings(stormMode, kill, workers, scratch.resolve("appliance"));
            StormRun.Result ours = null;
            try {
                ApplianceTarget appliance = track(ApplianceTarget.start(repoRoot(), scratch.resolve("appliance"),
                        words(applianceJvmOpts), applianceArgs, startTimeout));
                ours = new StormRun(appliance, applianceSettings, out).run();
            } catch (IOException | RuntimeException e) {
                ok = false;
                out.println("storm[appliance] failed: " + e.getMessage());
                r.note("appliance_error", String.valueOf(e.getMessage()));
            } finally {
                closeRunning();
            }
            if (ours != null) {
                ours.figures().forEach(r::figure);
                r.series(ours.series());
                r.latency("reconnect", ours.reconnectNanos());
                r.error("failed_attempts", ours.figures().get("failed_attempts").longValue());
                r.error("devices_not_back", ours.figures().get("devices_not_back").longValue());
                r.note("storm_at_s", String.format(Locale.ROOT, "%.3f", ours.stormAtSeconds()));
                ok &= ours.allBack();
            }
            if (peer != null) {
                ok &= runPeer(r, stormMode, kill, workers, scratch.resolve(MosquittoPeer.NAME), out);
            }
        } finally {
            closeRunning();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        r.note("recovery", "recovery_seconds: from the restart (or the drop) until the last device was connected "
                + "again, as the devices saw it; recovery_confirmed_seconds: until the harness saw every device back and "
                + "the server agreeing, to the sample interval. cpu_seconds_recovery after a restart is the new "
                + "process's CPU time from its start.");
        Path written = r.write(report);
        printSummary(r, out);
        out.println("report: " + written.toAbsolutePath());
        if (keepLogs || !ok) {
            out.println("logs: " + scratch);
        } else {
            deleteTree(scratch);
        }
        return ok ? 0 : 1;
    }

    private boolean runPeer(Report r, StormSettings.StormMode stormMode, boolean kill, LiveWorkers.Options workers,
                            Path dir, PrintStream out) throws InterruptedException {
        StormSettings peerSettings = settings(stormMode, kill,
                new LiveWorkers.Options(LiveWorkers.Protocol.MQTT, keepAlive > 0 ? keepAlive : 60,
                        workers.backoffInitial(), workers.backoffCap(), workers.handshakeTimeout(),
                        workers.devicesPerWorker(), workers.fileLimit(), workers.jvmOptions()), dir);
        try {
            MosquittoPeer p = track(MosquittoPeer.start(MosquittoPeer.Settings.defaults(dir)));
            MosquittoTarget target = new MosquittoTarget(p);
            StormRun.Result theirs = new StormRun(target, peerSettings, out).run();
            Map<String, Number> figures = new LinkedHashMap<>(theirs.figures());
            r.peer(MosquittoPeer.NAME, target.version(), figures, theirs.series());
            r.note("peer_storm_at_s", String.format(Locale.ROOT, "%.3f", theirs.stormAtSeconds()));
            return theirs.allBack();
        } catch (IOException | RuntimeException e) {
            out.println("storm[mosquitto] failed: " + e.getMessage());
            r.note("peer_error", String.valueOf(e.getMessage()));
            return false;
        } finally {
            closeRunning();
        }
    }

    private StormSettings settings(StormSettings.StormMode stormMode, boolean kill, LiveWorkers.Options workers,
                                   Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new StormSettings(devices, stormMode, kill, rate, connectTimeout, hold, timeout, tail, sampleInterval,
                workers, dir);
    }

    private Map<String, Object> parameters(StormSettings.StormMode stormMode, boolean kill) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("devices", devices);
        p.put("mode", stormMode.name().toLowerCase(Locale.ROOT));
        p.put("signal", stormMode == StormSettings.StormMode.RESTART ? (kill ? "kill" : "term") : null);
        p.put("peer", peer);
        p.put("connect_rate_per_s", rate);
        p.put("keep_alive_s", keepAlive);
        p.put("backoff_initial_ms", backoffInitial.toMillis());
        p.put("backoff_cap_ms", backoffCap.toMillis());
        p.put("handshake_timeout_ms", handshakeTimeout.toMillis());
        p.put("timeout_s", timeout.toSeconds());
        p.put("sample_interval_ms", sampleInterval.toMillis());
        p.put("devices_per_worker", devicesPerWorker);
        p.put("appliance_jvm_opts", applianceJvmOpts);
        p.put("appliance_args", applianceArgs);
        return p;
    }

    private List<String> command() {
        List<String> c = new ArrayList<>(List.of("cm", "loadtest", "storm"));
        if (spec != null && spec.commandLine().getParseResult() != null) {
            c.addAll(spec.commandLine().getParseResult().originalArgs());
        }
        return c;
    }

    private static void printSummary(Report r, PrintStream out) {
        out.println("storm figures (appliance):");
        r.figures().forEach((k, v) -> out.printf(Locale.ROOT, "  %-28s %s%n", k, v));
    }

    static StormSettings.StormMode parseMode(String m) {
        return switch (m.toLowerCase(Locale.ROOT)) {
            case "restart" -> StormSettings.StormMode.RESTART;
            case "drop" -> StormSettings.StormMode.DROP;
            default -> throw new IllegalArgumentException("--mode is restart or drop, not " + m);
        };
    }

    static boolean parseSignal(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "kill" -> true;
            case "term" -> false;
            default -> throw new IllegalArgumentException("--signal is kill or term, not " + s);
        };
    }

    private <T extends AutoCloseable> T track(T child) {
        synchronized (running) {
            running.add(child);
        }
        return child;
    }

    private void closeRunning() {
        synchronized (running) {
            for (AutoCloseable c : running.reversed()) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
            running.clear();
        }
    }

    private Path repoRoot() {
        return repo != null ? repo.toAbsolutePath() : RepoRoot.find();
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
