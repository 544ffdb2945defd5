package io.connmgr.loadtest.hold;

import com.fasterxml.jackson.databind.JsonNode;
import io.connmgr.loadtest.density.ApplianceProcess;
import io.connmgr.loadtest.density.Children;
import io.connmgr.loadtest.fleet.Histograms;
import io.connmgr.loadtest.fleet.WorkerHandle;
import io.connmgr.loadtest.fleet.WorkerPlan;
import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.report.PeerTarget;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The appliance as a {@link PeerTarget}: started by the harness in a scratch data dir with flags that pin every device
 * to one tier, or one already running (given by its ports, token and fleet key), plus the fleet worker processes that
 * hold the simulated devices, as many as the open-file limit requires.
 */
final class FleetTarget implements PeerTarget {
    /** How to reach an appliance the harness did not start. */
    record Given(long pid, int devicePort, AdminClient admin, Path fleetKeyFile) {
    }

    private final String tier;
    private final Path repoRoot;
    private final List<String> applianceJvmOptions;
    private final List<String> applianceFlags;
    private final Given given;
    private final int maxDevices;
    private final String idPrefix;
    private final List<WorkerHandle> workers = new ArrayList<>();
    private final List<Histogram> handshakes = new ArrayList<>();
    private ApplianceProcess appliance;
    private WorkerPlan plan;
    private long pid;
    private int devicePort;
    private AdminClient admin;
    private Path fleetKeyFile;

    /**
     * @param given null to start an appliance pinned to {@code tier}
     */
    FleetTarget(String tier, Path repoRoot, List<String> applianceJvmOptions, List<String> applianceFlags,
                Given given, int maxDevices, String idPrefix) {
        this.tier = tier;
        this.repoRoot = repoRoot;
        this.applianceJvmOptions = applianceJvmOptions;
        this.applianceFlags = applianceFlags;
        this.given = given;
        this.maxDevices = maxDevices;
        this.idPrefix = idPrefix;
    }

    @Override
    public String name() {
        return "appliance";
    }

    @Override
    public String version() {
        String v = FleetTarget.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    @Override
    public void start(Setup setup) throws IOException, InterruptedException {
        if (given == null) {
            appliance = ApplianceProcess.launch(repoRoot, setup.scratchDir().resolve("data"), applianceJvmOptions,
                    applianceFlags);
            Children.track(appliance);
            pid = appliance.pid();
            devicePort = appliance.devicePort();
            admin = appliance.admin();
            fleetKeyFile = appliance.fleetKeyFile();
        } else {
            pid = given.pid();
            devicePort = given.devicePort();
            admin = given.admin();
            fleetKeyFile = given.fleetKeyFile();
        }
        plan = WorkerPlan.forLimit(maxDevices, setup.fileLimit(), setup.devicesPerWorker());
        // The workers' JVMs start side by side: one after the other, a dozen of them would take a while.
        List<CompletableFuture<WorkerHandle>> starting = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        for (int w = 0; w < plan.workers(); w++) {
            int index = w;
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    WorkerHandle h = WorkerHandle.start(index, devicePort, fleetKeyFile, idPrefix,
                            setup.scratchDir().resolve("worker-" + index + ".log"), setup.workerJvmOptions(),
                            setup.startTimeout());
                    Children.track(h);
                    return h;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, pool));
        }
        pool.shutdown();
        IOException failed = null;
        for (CompletableFuture<WorkerHandle> f : starting) {
            try {
                workers.add(f.get(setup.startTimeout().toSeconds() + 10, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                failed = new IOException("a fleet worker did not start: " + (cause == null ? e : cause), cause);
            }
        }
        if (failed != null) {
            throw failed;
        }
        if (appliance != null) {
            // the workers started while the appliance did; they connect nothing until told
            appliance.awaitReady(setup.startTimeout());
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    AdminClient admin() {
        return admin;
    }

    String tier() {
        return tier;
    }

    WorkerPlan plan() {
        return plan;
    }

    boolean startedByHarness() {
        return given == null;
    }

    /** Whether the appliance process is still there (a given one is not watched). */
    boolean alive() {
        return appliance == null || appliance.isAlive();
    }

    @Override
    public Counts connect(int devices, double ratePerSecond, Duration timeout) throws IOException,
            InterruptedException {
        List<Integer> shares = plan.split(devices);
        long seconds = Math.max(1, timeout.toSeconds());
        for (int w = 0; w < workers.size(); w++) {
            double rate = devices == 0 || ratePerSecond <= 0 ? 0 : ratePerSecond * shares.get(w) / devices;
            workers.get(w).send(String.format(Locale.ROOT, "connect %d %d %.3f", shares.get(w), seconds, rate));
        }
        for (WorkerHandle w : workers) {
            JsonNode r = w.awaitReply(timeout.plusSeconds(30));
            if (r.hasNonNull("handshake_histogram")) {
                handshakes.add(Histograms.decode(r.get("handshake_histogram").asText()));
            }
        }
        return exactCounts();
    }

    /** Time from connect to WELCOME of every device connected so far. */
    Histogram handshakeNanos() {
        return Histograms.merge(handshakes);
    }

    @Override
    public void keepAlive(Duration interval, double jitter) throws IOException {
        for (WorkerHandle w : workers) {
            w.send(String.format(Locale.ROOT, "keepalive %d %.4f", interval.toMillis(), jitter));
        }
        for (WorkerHandle w : workers) {
            w.awaitReply(Duration.ofSeconds(30));
        }
    }

    @Override
    public Counts counts() {
        List<JsonNode> nodes = new ArrayList<>(workers.size());
        for (WorkerHandle w : workers) {
            nodes.add(w.progress());
        }
        return sum(nodes);
    }

    /** The workers' counts asked for now rather than from their last progress line (between commands only). */
    Counts exactCounts() throws IOException {
        for (WorkerHandle w : workers) {
            w.send("status");
        }
        List<JsonNode> nodes = new ArrayList<>(workers.size());
        for (WorkerHandle w : workers) {
            nodes.add(w.awaitReply(Duration.ofSeconds(30)));
        }
        return sum(nodes);
    }

    /** The coordinator's view: the workers' status or progress objects added up. */
    static Counts sum(List<JsonNode> workerCounts) {
        Counts total = Counts.NONE;
        for (JsonNode n : workerCounts) {
            total = total.plus(new Counts(n.path("connected").asLong(), n.path("connect_failed").asLong(),
                    n.path("dropped").asLong(), n.path("keepalives_sent").asLong(), n.path("pongs").asLong()));
        }
        return total;
    }

    @Override
    public void close() {
        for (WorkerHandle w : workers) {
            w.close();
        }
        workers.clear();
        if (appliance != null) {
            appliance.close();
        }
    }
}
