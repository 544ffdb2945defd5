package io.connmgr.loadtest.density;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.connmgr.loadtest.density.DensityResults.Machine;
import io.connmgr.loadtest.density.DensityResults.Report;
import io.connmgr.loadtest.density.DensityResults.TierResult;
import io.connmgr.loadtest.launch.RepoRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tier density: memory per connection in each tier (live heap after full GC, and the slope of RSS against the number
 * of devices), appliance CPU per PING answered, and MSG-to-ACK time (the wake time in SLEEP).
 */
@Command(name = "density", mixinStandardHelpOptions = true,
        description = "Measure memory and CPU per connection in each tier, and the time to wake a sleeping device.")
public final class DensityCommand implements Callable<Integer> {
    @Option(names = "--devices", split = ",", defaultValue = "1000,5000,10000,15000",
            description = "Device counts to measure at, ascending (default: ${DEFAULT-VALUE}).")
    List<Integer> devices;

    @Option(names = "--tiers", split = ",", defaultValue = "SLEEP,IDLE,ACTIVE",
            description = "Tiers to measure: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    List<TierSetup> tiers;

    @Option(names = "--devices-per-worker", defaultValue = "8000",
            description = "Devices one worker process holds (bounded by the open-file limit; default: ${DEFAULT-VALUE}).")
    int devicesPerWorker;

    @Option(names = "--appliance-jvm-opts", defaultValue = "-Xms1g -Xmx1g -XX:+AlwaysPreTouch",
            description = "JVM options of the appliance, besides those bin/cm always passes. The default fixes and "
                    + "pre-touches the heap so RSS growth is the off-heap cost alone (default: ${DEFAULT-VALUE}).")
    String applianceJvmOpts;

    @Option(names = "--worker-jvm-opts", defaultValue = "-Xmx1g -XX:+UseSerialGC",
            description = "JVM options of the fleet workers (default: ${DEFAULT-VALUE}).")
    String workerJvmOpts;

    @Option(names = "--appliance-arg", description = "Extra appliance flag, repeatable (e.g. --appliance-arg=--io-threads=1).")
    List<String> applianceArgs = new ArrayList<>();

    @Option(names = "--pings", defaultValue = "20000",
            description = "PINGs sent in the CPU window at the largest N; 0 skips the CPU measurement (default: ${DEFAULT-VALUE}).")
    long pings;

    @Option(names = "--ping-window", defaultValue = "10s", converter = DurationConverter.class,
            description = "Length of the CPU window (default: ${DEFAULT-VALUE}).")
    Duration pingWindow;

    @Option(names = "--wakes", defaultValue = "400",
            description = "MSG round trips, one device at a time, at the largest N; 0 skips (default: ${DEFAULT-VALUE}).")
    int wakes;

    @Option(names = "--wake-gap", defaultValue = "20ms", converter = DurationConverter.class,
            description = "Pause between two wakes (default: ${DEFAULT-VALUE}).")
    Duration wakeGap;

    @Option(names = "--settle-timeout", defaultValue = "180s", converter = DurationConverter.class,
            description = "Longest wait for a step's devices to connect and reach the tier (default: ${DEFAULT-VALUE}).")
    Duration settleTimeout;

    @Option(names = "--report", defaultValue = "density-report.json",
            description = "JSON report file (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--repo", description = "Repository root holding the built appliance (default: found from this program's location).")
    Path repo;

    @Option(names = "--keep-logs", description = "Keep each tier's scratch directory (appliance and worker logs).")
    boolean keepLogs;

    @Option(names = "--file-limit", defaultValue = "20000",
            description = "Open-file limit per process that workers must stay under (default: ${DEFAULT-VALUE}).")
    long fileLimit;

    @Override
    public Integer call() throws Exception {
        List<Integer> counts = devices.stream().sorted().distinct().toList();
        if (counts.isEmpty() || counts.getFirst() <= 0) {
            throw new IllegalArgumentException("--devices needs positive counts");
        }
        DensitySettings settings = new DensitySettings(repoRoot(), counts, devicesPerWorker, fileLimit,
                words(applianceJvmOpts), words(workerJvmOpts), applianceArgs, pings, pingWindow, wakes, wakeGap,
                settleTimeout, Duration.ofSeconds(3), clockTicks());
        PrintStream out = System.out;
        Machine machine = machine();
        out.printf("density: N=%s tiers=%s on %d cpus, %s, kernel %s, java %s; load %s%n", counts, tiers,
                machine.processors(), machine.memTotalBytes() / (1 << 20) + " MiB", machine.kernel(),
                machine.javaVersion(), machine.loadAverageAtStart());
        String started = Instant.now().toString();
        List<TierResult> results = new ArrayList<>();
        for (TierSetup tier : tiers) {
            Path scratch = Files.createTempDirectory("cm-density-" + tier.name().toLowerCase() + "-");
            try {
                results.add(new DensityRun(settings, tier, scratch, out).run());
                if (keepLogs) {
                    out.printf("[%s] logs in %s%n", tier, scratch);
                } else {
                    deleteTree(scratch);
                }
            } catch (Exception e) {
                e.printStackTrace(out);
                out.printf("[%s] failed: %s (logs kept in %s)%n", tier, e.getMessage(), scratch);
                results.add(new TierResult(tier.name(), null, List.of(), null, null, List.of(), null, null, e.getMessage()));
            } finally {
                Children.closeAll();
            }
        }
        Report r = new Report(started, machine, settings.applianceJvmOptions(), counts,
                io.connmgr.loadtest.fleet.WorkerPlan.forFleet(counts.getLast(), devicesPerWorker, fileLimit).workers(), devicesPerWorker, pings,
                pingWindow.toMillis() / 1000.0, wakes, results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(), r);
        out.print(DensityTable.render(results));
        out.println("report: " + report.toAbsolutePath());
        return results.stream().anyMatch(t -> t.error() != null) ? 1 : 0;
    }

    private Path repoRoot() {
        return repo != null ? repo.toAbsolutePath() : RepoRoot.find();
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (Exception e) {
            return 100; // the Linux default on every common architecture
        }
    }

    private static Machine machine() {
        long mem = 0;
        try {
            Matcher m = Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc/meminfo")));
            if (m.find()) {
                mem = Long.parseLong(m.group(1)) * 1024;
            }
        } catch (IOException ignored) {
            // reported as 0
        }
        return new Machine(Runtime.getRuntime().availableProcessors(), mem, System.getProperty("os.version"),
                System.getProperty("java.runtime.version"), DensityRun.loadAverage());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Parses 500ms, 10s, 2m. */
    public static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(v.trim());
            if (!m.matches()) {
                throw new picocli.CommandLine.TypeConversionException("'" + v + "' is not a duration like 500ms, 10s, 2m");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }
}
