package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.density.Children;
import io.connmgr.loadtest.density.DensityCommand.DurationConverter;
import io.connmgr.loadtest.density.TierSetup;
import io.connmgr.loadtest.fleet.WorkerPlan;
import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.progress.ProgressLine;
import io.connmgr.loadtest.report.Fmt;
import io.connmgr.loadtest.report.Machine;
import io.connmgr.loadtest.report.PeerTarget;
import io.connmgr.loadtest.report.PeerTargets;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;
import io.connmgr.loadtest.scenario.Invocation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code cm loadtest hold}: N devices connect at a given rate, keep alive at an interval with jitter and otherwise stay
 * quiet. Reports the memory each connection costs in each tier (a least-squares fit over several N, and over time),
 * the appliance's CPU per keep-alive answered, the connect rate and every failure; with {@code --peer}, the same for
 * a peer server in the same run, and the ratios.
 */
@Command(name = "hold", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"N devices connect at a rate, keep alive with jitter and stay quiet. Reports bytes per "
                + "connection in each tier (fitted over several N, and over time), appliance CPU per keep-alive "
                + "answered, connect rate and failures, as JSON and HTML.",
                "By default the harness starts its own appliance for each tier; --admin-port, --device-port and "
                        + "--appliance-data-dir (or the token and key files) measure one that is already running."})
public final class HoldCommand implements Callable<Integer> {
    @Option(names = "--devices", paramLabel = "N", defaultValue = "15000", description = "devices to hold (default: ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "4",
            description = "device counts at which memory is read, evenly up to --devices; the cost per connection is "
                    + "the least-squares slope over them (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--connect-rate", paramLabel = "PER_S", defaultValue = "1000",
            description = "connects started per second, over the whole fleet; 0 = as fast as possible "
                    + "(default: ${DEFAULT-VALUE})")
    double connectRate;

    @Option(names = "--keep-alive", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "keep-alive interval of each device; 0s = none (default: ${DEFAULT-VALUE})")
    Duration keepAlive;

    @Option(names = "--keep-alive-jitter", paramLabel = "FRACTION", defaultValue = "0.1",
            description = "spread of the keep-alive interval, as a fraction: 0.1 = ±10 %% (default: ${DEFAULT-VALUE})")
    double keepAliveJitter;

    @Option(names = "--hold-for", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "hold window after the last step, keep-alives flowing: CPU per keep-alive is measured "
                    + "here (default: ${DEFAULT-VALUE})")
    Duration holdFor;

    @Option(names = "--quiet-window", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "window without keep-alives before the hold window: the target's background CPU, "
                    + "subtracted from the hold window's; 0s = raw figure only (default: ${DEFAULT-VALUE})")
    Duration quietWindow;

    @Option(names = "--tiers", paramLabel = "TIER", split = ",", defaultValue = "SLEEP,IDLE,ACTIVE",
            description = "tiers to measure, each with an appliance of its own pinned to it: "
                    + "${COMPLETION-CANDIDATES}; one tier with a given appliance (default: ${DEFAULT-VALUE})")
    List<TierSetup> tiers;

    @Option(names = "--peer", paramLabel = "NAME",
            description = "also measure this peer server the same way, after the appliance (e.g. mosquitto)")
    String peer;

    @Option(names = "--sample-interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "time between two samples of RSS, CPU, open files, tiers and metrics "
                    + "(default: ${DEFAULT-VALUE})")
    Duration sampleInterval;

    @Option(names = "--settle-timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "longest wait for one step's devices to connect, and again to reach the tier "
                    + "(default: ${DEFAULT-VALUE})")
    Duration settleTimeout;

    @Option(names = "--live-heap", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "read the appliance's live heap (jcmd, after full GCs) at every step (default: on)")
    boolean liveHeap;

    @Option(names = "--max-duration", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
            description = "stop, and report what was measured, after this long whatever happens "
                    + "(default: ${DEFAULT-VALUE})")
    Duration maxDuration;

    @Option(names = "--file-limit", paramLabel = "N", defaultValue = "0",
            description = "open files one process may hold; workers are added to stay under it (default: this "
                    + "process's RLIMIT_NOFILE)")
    long fileLimit;

    @Option(names = "--devices-per-worker", paramLabel = "N", defaultValue = "0",
            description = "at most this many devices per worker process (default: as many as the file limit allows)")
    int devicesPerWorker;

    @Option(names = "--appliance-jvm-opts", paramLabel = "OPTIONS", defaultValue = "-Xms1g -Xmx1g -XX:+AlwaysPreTouch",
            description = "JVM options of a started appliance; the default fixes and pre-touches the heap so RSS "
                    + "growth is off-heap only (default: ${DEFAULT-VALUE})")
    String applianceJvmOpts;

    @Option(names = "--appliance-arg", paramLabel = "FLAG", description = "extra flag of a started appliance, repeatable")
    List<String> applianceArgs = new ArrayList<>();

    @Option(names = "--worker-jvm-opts", paramLabel = "OPTIONS", defaultValue = "-Xmx1g -XX:+UseSerialGC",
            description = "JVM options of the fleet worker processes (default: ${DEFAULT-VALUE})")
    String workerJvmOpts;

    @Option(names = "--appliance-pid", paramLabel = "PID", description = "pid of a running appliance (default: found by its main class)")
    long appliancePid;

    @Option(names = "--admin-port", paramLabel = "PORT", description = "admin API port of a running appliance")
    int adminPort;

    @Option(names = "--device-port", paramLabel = "PORT", description = "device port of a running appliance")
    int devicePort;

    @Option(names = "--appliance-data-dir", paramLabel = "DIR",
            description = "data dir of a running appliance: its fleet.key and admin.token are read from it")
    Path applianceDataDir;

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "admin token of a running appliance (default: in its data dir)")
    Path adminTokenFile;

    @Option(names = "--fleet-key-file", paramLabel = "FILE", description = "fleet key of a running appliance (default: in its data dir)")
    Path fleetKeyFile;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "directory of the report: hold-DATE.json and hold-DATE.html (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--report", paramLabel = "FILE", description = "report file name instead of hold-DATE.json (the HTML goes beside it)")
    Path reportFile;

    @Option(names = "--repo", paramLabel = "DIR", description = "repository root holding the built appliance (default: found)")
    Path repo;

    @Option(names = "--keep-logs", description = "keep the scratch directories (appliance and worker logs)")
    boolean keepLogs;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "AUTO",
            description = "progress line: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: rewritten in place on "
                    + "a terminal, a line every 5 s otherwise)")
    ProgressLine.Mode progressMode;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream stdout = System.out;

    @Override
    public Integer call() throws Exception {
        validate();
        long limit = fileLimit > 0 ? fileLimit : Machine.readOpenFilesLimit();
        List<String> applianceJvm = words(applianceJvmOpts);
        HoldSettings settings = new HoldSettings(devices, steps, connectRate, keepAlive, keepAliveJitter, holdFor,
                quietWindow, sampleInterval, settleTimeout, given() ? Duration.ofSeconds(1) : Duration.ofSeconds(2),
                Duration.ofMillis(500), liveHeap, limit, devicesPerWorker, words(workerJvmOpts));
        WorkerPlan plan;
        FleetTarget.Given given;
        PeerTarget peerTarget;
        try {
            plan = WorkerPlan.forLimit(devices, limit, devicesPerWorker);
            given = given() ? resolveGiven() : null;
            peerTarget = peer == null ? null : PeerTargets.create(peer);
        } catch (IllegalArgumentException | IOException e) {
            // a limit too small, an appliance not found, a peer not installed: a usage error, not a crash
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }

        Instant started = Instant.now();
        Report report = new Report("hold", Invocation.command(spec), Invocation.parameters(spec));
        report.parameter("file_limit_used", limit).parameter("workers", plan.workers())
                .parameter("devices_per_worker_used", plan.perWorker())
                .parameter("appliance", given == null ? "started by the harness" : "given");
        Path json = reportFile != null ? reportFile : Report.defaultPath(out, "hold", started);
        long origin = System.nanoTime();
        Thread main = Thread.currentThread();
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "max-duration");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(() -> {
            expired.set(true);
            main.interrupt();
        }, maxDuration.toMillis(), TimeUnit.MILLISECONDS);

        List<HoldPhase.Outcome> outcomes = new ArrayList<>();
        HoldPhase.Outcome peerOutcome = null;
        String runId = UUID.randomUUID().toString().substring(0, 8);
        try (ProgressLine progress = ProgressLine.start("hold", progressMode)) {
            progress.log(String.format(Locale.ROOT, "hold: %d devices in %d steps at %s connects/s, keep-alive %s "
                            + "±%.0f%%, tiers %s%s; %d worker(s) under a limit of %d open files; report %s",
                    devices, steps, connectRate > 0 ? Fmt.number(connectRate) : "unlimited",
                    Invocation.duration(keepAlive), keepAliveJitter * 100, tiers, peer == null ? "" : ", peer " + peer,
                    plan.workers(), limit, json));
            List<String> failures = new ArrayList<>();
            for (TierSetup tier : tiers) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                List<String> flags = new ArrayList<>(tier.applianceFlags());
                flags.addAll(applianceArgs);
                FleetTarget target = new FleetTarget(tier.name(), repoRoot(), applianceJvm, flags, given, devices,
                        "hold-" + runId + "-" + tier.name().toLowerCase(Locale.ROOT));
                HoldPhase.Outcome o = runPhase(settings, tier.name(), target, target, progress, report, origin);
                outcomes.add(o);
                if (o.failure() != null) {
                    failures.add(o.label() + ": " + o.failure());
                }
            }
            if (peerTarget != null && !Thread.currentThread().isInterrupted()) {
                peerOutcome = runPhase(settings, peer, peerTarget, null, progress, report, origin);
                if (peerOutcome.failure() != null) {
                    failures.add(peer + ": " + peerOutcome.failure());
                }
            }
            if (!failures.isEmpty()) {
                report.note("failures", String.join("; ", failures));
            }
        } finally {
            watchdog.shutdownNow();
            Thread.interrupted(); // a late watchdog must not break the report writing
            Children.closeAll();
        }
        if (expired.get()) {
            report.note("stopped", "stopped by --max-duration " + Invocation.duration(maxDuration)
                    + " before the end; the figures cover what was measured until then");
        }
        fill(report, outcomes, peerOutcome, peerTarget, applianceJvm, plan, limit, given != null);
        Path written = report.write(json);
        stdout.print(summary(report, outcomes, peerOutcome));
        stdout.println("report: " + written.toAbsolutePath());
        stdout.println("html:   " + Report.htmlPath(written).toAbsolutePath());
        boolean complete = !expired.get() && outcomes.size() == tiers.size()
                && outcomes.stream().allMatch(o -> o.failure() == null && o.measured() != null
                && o.measured().connectedInSteps() == devices)
                && (peer == null || peerOutcome != null && peerOutcome.failure() == null);
        return complete ? 0 : 1;
    }

    private HoldPhase.Outcome runPhase(HoldSettings settings, String label, PeerTarget target, FleetTarget appliance,
                                       ProgressLine progress, Report report, long origin) throws IOException {
        Path scratch = Files.createTempDirectory("cm-hold-" + label.toLowerCase(Locale.ROOT) + "-");
        HoldPhase.Outcome o = new HoldPhase(settings, label, target, appliance, progress, report, origin).run(scratch);
        if (keepLogs || o.failure() != null) {
            progress.log("[" + label + "] logs in " + scratch);
        } else {
            deleteTree(scratch);
        }
        return o;
    }

    /** The peer's figures, once {@link #fill} computed them. */
    private Map<String, Number> peerFigures = Map.of();

    /** Figures (per tier, prefixed; the headline tier's again without prefix), latency, errors, series and notes. */
    private void fill(Report report, List<HoldPhase.Outcome> outcomes, HoldPhase.Outcome peerOutcome,
                      PeerTarget peerTarget, List<String> applianceJvm, WorkerPlan plan, long limit, boolean given) {
        boolean preTouched = !given && HoldFigures.preTouched(applianceJvm);
        TimeSeries all = new TimeSeries();
        String headline = outcomes.stream().map(HoldPhase.Outcome::label).filter("SLEEP"::equals).findFirst()
                .orElse(outcomes.isEmpty() ? null : outcomes.getFirst().label());
        Map<String, Number> headlineFigures = Map.of();
        for (HoldPhase.Outcome o : outcomes) {
            String prefix = o.label().toLowerCase(Locale.ROOT) + "_";
            all.addAll(o.series());
            o.errors().forEach((k, v) -> report.error(prefix + k, v));
            o.notes().forEach(report::note);
            if (o.measured() == null) {
                continue;
            }
            Map<String, Number> f = HoldFigures.of(o.measured(), preTouched);
            f.forEach((k, v) -> report.figure(prefix + k, v));
            if (o.label().equals(headline)) {
                headlineFigures = f;
            }
            if (o.measured().handshakeNanos() != null && o.measured().handshakeNanos().getTotalCount() > 0) {
                report.latency(prefix + "connect", o.measured().handshakeNanos());
            }
        }
        headlineFigures.forEach(report::figure);
        report.series(all);
        if (peerOutcome != null) {
            Map<String, Number> theirs = new LinkedHashMap<>();
            if (peerOutcome.measured() != null) {
                theirs.putAll(HoldFigures.of(peerOutcome.measured(), false));
            }
            theirs.putAll(peerTarget.figures());
            peerOutcome.errors().forEach((k, v) -> report.error(peer + "_" + k, v));
            peerOutcome.notes().forEach(report::note);
            peerFigures = theirs;
            report.peer(peerTarget.name(), peerTarget.version(), theirs, peerOutcome.series());
        }
        notes(report, outcomes, headline, preTouched, plan, limit, given);
    }

    private void notes(Report report, List<HoldPhase.Outcome> outcomes, String headline, boolean preTouched,
                       WorkerPlan plan, long limit, boolean given) {
        report.note("method", "Each tier runs on an appliance of its own pinned to that tier (TierSetup flags) unless "
                + "one was given. Devices connect in " + steps + " step(s) up to " + devices + " at "
                + (connectRate > 0 ? Fmt.number(connectRate) + " connects/s" : "full speed")
                + "; at each step, once every device is in the tier, the live heap (jcmd GC.run twice, then "
                + "GC.heap_info) and then RSS (/proc/PID/status) are read. Per-connection figures are least-squares "
                + "slopes over the steps (the N=0 baseline is not in the fit). Then a quiet window of "
                + Invocation.duration(quietWindow) + " without keep-alives and a hold window of "
                + Invocation.duration(holdFor) + " with them; CPU is utime+stime of /proc/PID/stat. "
                + "cpu_us_per_keepalive = (hold CPU - quiet CPU scaled to the hold window) / keep-alives answered; "
                + "cpu_us_per_keepalive_raw leaves the background in.");
        report.note("bytes_per_connection", preTouched
                ? "The appliance's heap is fixed and pre-touched (-Xms = -Xmx, AlwaysPreTouch), so RSS grows only "
                + "off-heap: bytes_per_connection = live_heap_bytes_per_connection + rss_bytes_per_connection."
                : "The heap is not pre-touched (or the appliance was given), so RSS includes heap growth: "
                + "bytes_per_connection = rss_bytes_per_connection.");
        StringBuilder fits = new StringBuilder();
        for (HoldPhase.Outcome o : outcomes) {
            if (o.measured() != null && !o.measured().points().isEmpty()) {
                List<HoldFigures.Point> p = o.measured().points();
                fits.append(String.format(Locale.ROOT, " %s: fitted over %d point(s), N=%d..%d.", o.label(),
                        p.size(), p.getFirst().devices(), p.getLast().devices()));
            }
        }
        report.note("extrapolation", "extrapolated_1m_connection_bytes = bytes_per_connection x 1,000,000: the "
                + "memory the connections themselves would take at one million. Assumes the cost per connection stays "
                + "linear beyond the largest N measured (see the fits' R2)." + fits
                + " It excludes the process's fixed baseline (baseline_rss_bytes) and the kernel's memory for the "
                + "sockets (buffers, not part of any process's RSS), and needs an open-file limit and source "
                + "addresses allowing a million connections.");
        if (headline != null) {
            report.note("headline", "Figures without a tier prefix are those of " + headline
                    + "; a peer's figures compare with these.");
        }
        report.note("workers", plan.workers() + " fleet worker process(es) of at most " + plan.perWorker()
                + " devices each, under a limit of " + limit + " open files per process ("
                + WorkerPlan.RESERVED_DESCRIPTORS + " kept for the worker's own use); each device binds its own "
                + "127.x.y.z source address.");
        if (given) {
            report.note("given_appliance", "The appliance was already running: its tier timers, keep-alive and "
                    + "other connections are its own; the fit's slope is unaffected by connections it already held.");
        }
    }

    private String summary(Report report, List<HoldPhase.Outcome> outcomes, HoldPhase.Outcome peerOutcome) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n%-10s %8s %12s %12s %12s %14s %12s %8s%n", "target", "N",
                "RSS B/conn", "heap B/conn", "B/conn", "CPU us/keepal", "connects/s", "errors"));
        List<HoldPhase.Outcome> rows = new ArrayList<>(outcomes);
        if (peerOutcome != null) {
            rows.add(peerOutcome);
        }
        for (HoldPhase.Outcome o : rows) {
            long errs = o.errors().values().stream().mapToLong(Long::longValue).sum();
            if (o.measured() == null) {
                b.append(String.format(Locale.ROOT, "%-10s failed: %s%n", o.label(), o.failure()));
                continue;
            }
            Map<String, Number> f = new LinkedHashMap<>();
            if (o == peerOutcome) {
                f.putAll(peerFigures);
            } else {
                String prefix = o.label().toLowerCase(Locale.ROOT) + "_";
                report.figures().forEach((k, x) -> {
                    if (k.startsWith(prefix)) {
                        f.put(k.substring(prefix.length()), (Number) x);
                    }
                });
            }
            b.append(String.format(Locale.ROOT, "%-10s %8s %12s %12s %12s %14s %12s %8d%s%n", o.label(),
                    v(f, "devices"), v(f, "rss_bytes_per_connection"), v(f, "live_heap_bytes_per_connection"),
                    v(f, "bytes_per_connection"), v(f, "cpu_us_per_keepalive"), v(f, "connect_rate_per_s"), errs,
                    o.failure() == null ? "" : "  (" + o.failure() + ")"));
        }
        return b.toString();
    }

    private static String v(Map<String, Number> f, String k) {
        Number n = f.get(k);
        return n == null ? "-" : Fmt.number(Math.rint(n.doubleValue() * 10) / 10);
    }

    private void validate() {
        List<String> bad = new ArrayList<>();
        if (devices < 1) {
            bad.add("--devices must be at least 1");
        }
        if (steps < 1) {
            bad.add("--steps must be at least 1");
        }
        if (connectRate < 0) {
            bad.add("--connect-rate must not be negative");
        }
        if (keepAliveJitter < 0 || keepAliveJitter >= 1) {
            bad.add("--keep-alive-jitter must be in [0, 1)");
        }
        if (tiers.isEmpty()) {
            bad.add("--tiers needs at least one tier");
        }
        if (given() && tiers.size() != 1) {
            bad.add("a given appliance has one configuration: give one tier with --tiers (the one its devices "
                    + "settle in)");
        }
        if (sampleInterval.isZero()) {
            bad.add("--sample-interval must be positive");
        }
        if (!bad.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", bad));
        }
    }

    private boolean given() {
        return adminPort > 0 || devicePort > 0 || appliancePid > 0 || applianceDataDir != null;
    }

    private FleetTarget.Given resolveGiven() throws IOException {
        if (adminPort <= 0 || devicePort <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "a running appliance needs both --admin-port and --device-port");
        }
        Path token = adminTokenFile != null ? adminTokenFile
                : applianceDataDir != null ? applianceDataDir.resolve("admin.token") : null;
        Path key = fleetKeyFile != null ? fleetKeyFile
                : applianceDataDir != null ? applianceDataDir.resolve("fleet.key") : null;
        if (token == null || key == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a running appliance needs its admin token "
                    + "and fleet key: --appliance-data-dir, or --admin-token-file and --fleet-key-file");
        }
        long pid = appliancePid > 0 ? appliancePid : discoverPid(adminPort);
        return new FleetTarget.Given(pid, devicePort,
                new AdminClient(adminPort, Files.readString(token, StandardCharsets.US_ASCII).trim()), key);
    }

    /** The process running the appliance's main class: the only one, or the one listening on its admin port. */
    static long discoverPid(int adminPort) {
        List<Long> pids = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("io.connmgr.appliance.ApplianceMain"))
                .map(ProcessHandle::pid).toList();
        if (pids.size() == 1) {
            return pids.getFirst();
        }
        long listening = ListeningSocket.pidListeningOn(adminPort, pids);
        if (listening > 0) {
            return listening;
        }
        throw new IllegalArgumentException(pids.isEmpty() ? "no running appliance found; give --appliance-pid"
                : "several appliances run (pids " + pids + ") and none of them is seen listening on port "
                + adminPort + "; give --appliance-pid");
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
