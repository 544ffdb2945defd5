package io.connmgr.loadtest.density;

import com.fasterxml.jackson.databind.JsonNode;
import io.connmgr.loadtest.density.DensityResults.CpuPerPing;
import io.connmgr.loadtest.density.DensityResults.Latency;
import io.connmgr.loadtest.density.DensityResults.MemoryPoint;
import io.connmgr.loadtest.density.DensityResults.TierResult;
import io.connmgr.loadtest.fleet.WorkerHandle;
import io.connmgr.loadtest.fleet.WorkerPlan;
import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.probe.Jcmd;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.probe.ThreadCpu;
import io.connmgr.loadtest.probe.ClassHistogram;
import io.connmgr.loadtest.probe.PrometheusText;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;

/**
 * One tier: a fresh appliance, a baseline at zero devices, then the fleet grown through each count with memory read
 * once all devices sit in the tier; at the largest count, CPU per PING and MSG-to-ACK latency.
 */
final class DensityRun {
    static final String COUNTER = "cm_keepalives_answered_total";
    private final DensitySettings s;
    private final TierSetup tier;
    private final Path scratch;
    private final PrintStream log;

    DensityRun(DensitySettings settings, TierSetup tier, Path scratch, PrintStream log) {
        this.s = settings;
        this.tier = tier;
        this.scratch = scratch;
        this.log = log;
    }

    TierResult run() throws IOException, InterruptedException {
        List<String> flags = new ArrayList<>(tier.applianceFlags());
        flags.addAll(s.extraApplianceFlags());
        int maxDevices = s.devices().getLast();
        WorkerPlan plan = WorkerPlan.forFleet(maxDevices, s.devicesPerWorker(), s.fileLimit());
        List<WorkerHandle> workers = new ArrayList<>();
        try (ApplianceProcess appliance = ApplianceProcess.start(s.repoRoot(), scratch.resolve("data"),
                s.applianceJvmOptions(), flags, Duration.ofSeconds(60))) {
            Children.track(appliance);
            log.printf("[%s] appliance pid %d on port %d%n", tier, appliance.pid(), appliance.devicePort());
            // Let start-up allocation and JIT of the idle appliance settle before the baseline.
            Thread.sleep(s.settlePause().toMillis());
            MemoryPoint baseline = measure(appliance, 0);
            log.printf("[%s] baseline: rss %.1f MiB, live heap %.1f MiB%n", tier, mib(baseline.rssBytes()),
                    mib(baseline.liveHeapBytes()));
            for (int w = 0; w < plan.workers(); w++) {
                WorkerHandle h = WorkerHandle.start(w, appliance.devicePort(), appliance.fleetKeyFile(), "dev",
                        scratch.resolve("worker-" + w + ".log"), s.workerJvmOptions(), Duration.ofSeconds(60));
                workers.add(h);
                Children.track(h);
            }
            List<MemoryPoint> points = new ArrayList<>();
            Map<String, ClassHistogram.Row> firstHistogram = null;
            Map<String, ClassHistogram.Row> lastHistogram = null;
            for (int n : s.devices()) {
                grow(workers, plan.split(n), appliance);
                MemoryPoint p = measure(appliance, n);
                points.add(p);
                // Live objects only: GC.class_histogram collects first (its default is -all=false).
                lastHistogram = ClassHistogram.parse(Jcmd.run(appliance.pid(), "GC.class_histogram"));
                if (firstHistogram == null) {
                    firstHistogram = lastHistogram;
                }
                log.printf("[%s] N=%d: rss %.1f MiB (+%.0f B/conn), live heap %.1f MiB (+%.0f B/conn), %s%n", tier, n,
                        mib(p.rssBytes()), (double) (p.rssBytes() - baseline.rssBytes()) / n, mib(p.liveHeapBytes()),
                        (double) (p.liveHeapBytes() - baseline.liveHeapBytes()) / n, p.stats());
            }
            LinearFit rssFit = fit(points, true);
            LinearFit heapFit = fit(points, false);
            List<DensityResults.HeapGrowth> growth = points.size() < 2 ? List.of()
                    : ClassHistogram.growth(firstHistogram, lastHistogram,
                    points.getLast().devices() - points.getFirst().devices(), 12);
            for (DensityResults.HeapGrowth g : growth) {
                log.printf("[%s]   heap growth %-60s %6.2f objects %7.1f B per device%n", tier, g.className(),
                        g.instancesPerDevice(), g.bytesPerDevice());
            }
            CpuPerPing cpu = s.pingsPerWindow() > 0 ? cpuPerPing(appliance, workers, plan) : null;
            Latency wake = s.wakes() > 0 ? msgToAck(workers, plan) : null;
            return new TierResult(tier.name(), baseline, points, rssFit, heapFit, growth, cpu, wake, null);
        } finally {
            for (WorkerHandle w : workers) {
                w.close();
            }
        }
    }

    private void grow(List<WorkerHandle> workers, List<Integer> shares, ApplianceProcess appliance)
            throws IOException, InterruptedException {
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).send("connect " + shares.get(w) + " " + s.settleTimeout().toSeconds());
        }
        int connected = 0;
        for (WorkerHandle w : workers) {
            JsonNode r = w.awaitReply(s.settleTimeout().plusSeconds(30));
            connected += r.path("connected").asInt();
            if (r.path("failed").asInt() > 0) {
                log.printf("[%s] worker reports %d failed connects, %d closed%n", tier, r.path("failed").asInt(),
                        r.path("closed").asInt());
            }
        }
        int want = shares.stream().mapToInt(Integer::intValue).sum();
        if (connected != want) {
            throw new IOException(tier + ": only " + connected + " of " + want + " devices connected");
        }
        awaitTier(appliance.admin(), want);
    }

    private void awaitTier(AdminClient admin, long n) throws IOException, InterruptedException {
        long end = System.nanoTime() + s.settleTimeout().toNanos();
        AdminClient.Stats st = admin.stats();
        while (!(st.inTier(tier.name()) == n && st.total() == n)) {
            if (System.nanoTime() > end) {
                throw new IOException(tier + ": devices did not settle within " + s.settleTimeout() + ": " + st);
            }
            Thread.sleep(250);
            st = admin.stats();
        }
    }

    private MemoryPoint measure(ApplianceProcess appliance, int n) throws IOException, InterruptedException {
        long heap = Jcmd.liveHeapBytes(appliance.pid(), 3);
        long rss = ProcFiles.rssBytes(appliance.pid());
        return new MemoryPoint(n, rss, heap, appliance.admin().stats(), loadAverage());
    }

    private LinearFit fit(List<MemoryPoint> points, boolean rss) {
        if (points.size() < 2) {
            return null;
        }
        return LinearFit.of(points.stream()
                .map(p -> new LinearFit.Point(p.devices(), rss ? p.rssBytes() : p.liveHeapBytes())).toList());
    }

    private CpuPerPing cpuPerPing(ApplianceProcess appliance, List<WorkerHandle> workers, WorkerPlan plan)
            throws IOException, InterruptedException {
        long window = s.pingWindow().toMillis();
        double ticksPerSecond = s.clockTicksPerSecond();
        // A shorter unmeasured round first, so JIT compilation of the PING path is not charged to the PINGs.
        List<Integer> warm = plan.spread((int) Math.max(1, s.pingsPerWindow() / 4));
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).send("ping " + warm.get(w) + " " + Math.max(1, window / 4) + " 5000");
        }
        for (WorkerHandle w : workers) {
            w.awaitReply(s.pingWindow().plusSeconds(30));
        }
        Thread.sleep(1000);
        // Quiet window: the same length, nothing sent, so the appliance's own background work is known.
        long t0 = ProcFiles.cpuTicks(appliance.pid());
        Map<String, Long> q0 = ThreadCpu.snapshot(appliance.pid());
        Thread.sleep(window);
        double quiet = (ProcFiles.cpuTicks(appliance.pid()) - t0) / ticksPerSecond;
        Map<String, Long> quietThreads = ThreadCpu.top(q0, ThreadCpu.snapshot(appliance.pid()), 8);

        String label = "tier=\"" + tier.name().toLowerCase() + "\"";
        double answered0 = PrometheusText.sample(appliance.admin().metrics(), COUNTER, label);
        long c0 = ProcFiles.cpuTicks(appliance.pid());
        Map<String, Long> p0 = ThreadCpu.snapshot(appliance.pid());
        long start = System.nanoTime();
        List<Integer> shares = plan.spread((int) s.pingsPerWindow());
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).send("ping " + shares.get(w) + " " + window + " 5000");
        }
        long sent = 0, pongs = 0;
        for (WorkerHandle w : workers) {
            JsonNode r = w.awaitReply(s.pingWindow().plusSeconds(30));
            sent += r.path("sent").asLong();
            pongs += r.path("pongs").asLong();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double busy = (ProcFiles.cpuTicks(appliance.pid()) - c0) / ticksPerSecond;
        Map<String, Long> pingThreads = ThreadCpu.top(p0, ThreadCpu.snapshot(appliance.pid()), 8);
        double answered = PrometheusText.sample(appliance.admin().metrics(), COUNTER, label) - answered0;
        // Scale the quiet window to the (slightly longer) PING window before subtracting it.
        double quietScaled = quiet * seconds / (window / 1000.0);
        CpuPerPing r = new CpuPerPing(seconds, sent, pongs, answered, busy, quietScaled, busy / answered * 1e6,
                (busy - quietScaled) / answered * 1e6, appliance.admin().stats(), pingThreads, quietThreads);
        log.printf("[%s] CPU: %d PINGs sent, %d PONGs, %.0f answered in %s over %.1f s; appliance CPU %.3f s (quiet "
                        + "%.3f s): %.2f us/PING raw, %.2f us/PING net; after: %s%n", tier, sent, pongs, answered,
                tier, seconds, busy, quietScaled, r.rawMicrosPerPing(), r.netMicrosPerPing(), r.statsAfter());
        log.printf("[%s] CPU ticks by thread, PING window %s; quiet window %s%n", tier, pingThreads, quietThreads);
        return r;
    }

    private Latency msgToAck(List<WorkerHandle> workers, WorkerPlan plan) throws IOException {
        Histogram all = new Histogram(60_000_000L, 3);
        int failed = 0;
        List<Integer> shares = plan.spread(s.wakes());
        // One worker at a time so that each wake is alone on the appliance.
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).send("wake " + shares.get(w) + " " + s.wakeGap().toMillis() + " 10000");
            JsonNode r = workers.get(w).awaitReply(Duration.ofSeconds(30 + shares.get(w) * (10 + s.wakeGap().toSeconds())));
            failed += r.path("failed").asInt();
            try {
                all.add(Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(r.path("histogram").asText())), 0));
            } catch (DataFormatException e) {
                throw new IOException("worker sent a corrupt histogram", e);
            }
        }
        Latency l = new Latency(all.getTotalCount(), failed, all.getValueAtPercentile(50),
                all.getValueAtPercentile(90), all.getValueAtPercentile(99), all.getMaxValue(), all.getMean());
        log.printf("[%s] MSG->ACK over %d devices (%d failed): p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us%n",
                tier, l.count(), failed, l.p50(), l.p90(), l.p99(), l.max());
        return l;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
