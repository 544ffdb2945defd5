package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.launch.RepoRoot;
import io.connmgr.loadtest.report.ProcessSampler;
import io.connmgr.loadtest.report.Report;
import io.connmgr.protocol.client.BackendClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What every back-end scenario stands on: a fresh appliance process, a fleet of devices connected to it, a back-end
 * on the control channel, and a sampler that reads the appliance from outside (/proc RSS, CPU, open files;
 * {@code GET /v1/stats} tiers; a few Prometheus metrics) together with the scenario's own counters.
 */
public final class BackendSession implements AutoCloseable {
    private final ApplianceUnderTest appliance;
    private final DeviceFleet fleet;
    private final BackendClient backend;
    private final ProcessSampler sampler;
    private final Map<String, LongSupplier> counters = new ConcurrentHashMap<>();
    private final long samplerStartNanos;

    private BackendSession(ApplianceUnderTest appliance, DeviceFleet fleet, BackendClient backend,
                           Duration sampleInterval) {
        this.appliance = appliance;
        this.fleet = fleet;
        this.backend = backend;
        ApplianceMetrics metrics = new ApplianceMetrics(appliance.admin());
        this.samplerStartNanos = System.nanoTime();
        this.sampler = new ProcessSampler(appliance.pid(), appliance.admin(), () -> {
            Map<String, Number> row = new LinkedHashMap<>();
            row.put("connected_devices", fleet.connected());
            new java.util.TreeMap<>(counters).forEach((k, v) -> row.put(k, v.getAsLong()));
            row.putAll(metrics.sample());
            return row;
        }).start(Math.max(50, sampleInterval.toMillis()));
    }

    /**
     * Starts the appliance with {@code flags} (beside the ports and addresses it always gets), connects the fleet,
     * connects the back-end and starts sampling.
     */
    public static BackendSession open(CommonOptions common, String workPrefix, boolean proxy, List<String> flags,
                                      DeviceFleet.Spec devices) throws Exception {
        Path root = common.repo != null ? common.repo.toAbsolutePath() : RepoRoot.find();
        Path data = Files.createTempDirectory(workPrefix);
        List<String> all = mergeFlags(flags, common.applianceArgs);
        ApplianceUnderTest appliance = ApplianceUnderTest.start(root, data, proxy, common.applianceJvmOptions, all,
                Duration.ofSeconds(60));
        DeviceFleet fleet = null;
        BackendClient backend = null;
        try {
            System.err.printf("appliance pid %d (log %s); connecting %,d devices%n", appliance.pid(),
                    appliance.log(), devices.devices());
            fleet = DeviceFleet.connect(appliance, devices,
                    Duration.ofSeconds(60 + devices.devices() / 100));
            backend = BackendClient.builder().host("127.0.0.1").port(appliance.controlPort())
                    .credentials(appliance.backendName(), appliance.backendToken()).build();
            backend.connect().get(10, TimeUnit.SECONDS);
            return new BackendSession(appliance, fleet, backend, common.sampleInterval);
        } catch (Exception e) {
            if (backend != null) {
                backend.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            appliance.close();
            throw e;
        }
    }

    /**
     * The scenario's appliance settings ({@code --key value} pairs) with the user's {@code --appliance-arg}s after
     * them; a setting the user gives replaces the scenario's (the appliance takes each setting once).
     */
    static List<String> mergeFlags(List<String> scenarioPairs, List<String> user) {
        java.util.Set<String> overridden = new java.util.HashSet<>();
        for (String u : user) {
            if (u.startsWith("--")) {
                int eq = u.indexOf('=');
                overridden.add(eq < 0 ? u : u.substring(0, eq));
            }
        }
        List<String> merged = new ArrayList<>();
        for (int i = 0; i + 1 < scenarioPairs.size(); i += 2) {
            if (!overridden.contains(scenarioPairs.get(i))) {
                merged.add(scenarioPairs.get(i));
                merged.add(scenarioPairs.get(i + 1));
            }
        }
        merged.addAll(user);
        return merged;
    }

    public ApplianceUnderTest appliance() {
        return appliance;
    }

    public DeviceFleet fleet() {
        return fleet;
    }

    public BackendClient backend() {
        return backend;
    }

    public ProcessSampler sampler() {
        return sampler;
    }

    /** {@link System#nanoTime()} when the sampler started: its series' {@code t_s} counts from here. */
    public long samplerStartNanos() {
        return samplerStartNanos;
    }

    /** A counter of the load generator, sampled as a column of the series from now on. */
    public void counter(String column, LongSupplier value) {
        counters.put(column, value);
    }

    /** Waits until at least {@code n} devices are asleep in the appliance. */
    public void awaitAsleep(long n, Duration timeout) throws Exception {
        Waits.until(n + " devices asleep", timeout, appliance, () -> appliance.admin().stats().sleep() >= n);
    }

    /** Waits until at least {@code n} devices are ACTIVE in the appliance. */
    public void awaitActive(long n, Duration timeout) throws Exception {
        Waits.until(n + " devices active", timeout, appliance, () -> appliance.admin().stats().active() >= n);
    }

    /** One Prometheus metric of the appliance now, summed over its labels (NaN if it does not answer). */
    public double metric(String selector) {
        try {
            return ApplianceMetrics.sum(appliance.admin().metrics(), selector);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /**
     * Takes a last sample and puts what the sampler saw into the report: the series, the appliance's peak RSS and
     * CPU, and the reconnect count of the fleet. Returns false when the appliance had exited.
     */
    public boolean finish(Report report) {
        try {
            sampler.sample();
        } catch (Exception e) {
            report.note("last_sample", "the appliance did not answer the last sample: " + e.getMessage());
        }
        sampler.close();
        report.series(sampler.series());
        report.figure("appliance_peak_rss_bytes", sampler.peakRssBytes());
        report.figure("appliance_peak_cpu_cores", sampler.peakCpuCores());
        report.figure("devices_connected_at_end_count", fleet.connected());
        report.figure("device_reconnects_count", fleet.reconnects());
        fleet.disconnects().forEach((cause, n) -> report.error("device_disconnect_" + cause, n));
        List<String> details = fleet.disconnectDetails();
        if (!details.isEmpty()) {
            report.note("device_disconnects", String.join("; ", details));
        }
        if (!appliance.isAlive()) {
            report.error("appliance_exited", 1);
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        sampler.close();
        backend.close();
        fleet.close();
        appliance.close();
        deleteStore(appliance.dataDir().resolve("store"));
    }

    /** The throwaway appliance's store goes; its log, a few KB, stays for a look after the run. */
    public static void deleteStore(Path store) {
        if (!Files.isDirectory(store)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(store)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + store + ": " + e.getMessage());
        }
    }
}
