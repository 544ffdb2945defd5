package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.probe.Jcmd;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.progress.ProgressLine;
import io.connmgr.loadtest.report.PeerTarget;
import io.connmgr.loadtest.report.ProcessSampler;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One target through the whole hold procedure: start it, sample it from outside, measure the baseline, grow the fleet
 * step by step (memory read at each step once the devices settled), a quiet window without keep-alives, a hold window
 * with them, then stop. The appliance (a {@link FleetTarget}) additionally waits at each step until every device is in
 * its tier, gets its live heap read, and has its tier counts and Prometheus metrics in the series.
 */
final class HoldPhase {
    /** Appliance metrics sampled over time, each summed over its labels. */
    static final String[] METRICS = {"cm_keepalives_answered_total", "cm_handshakes_completed_total",
            "cm_auth_failures_total", "cm_frames_rejected_total", "jvm_memory_used_bytes", "jvm_threads_live_threads"};
    private static final double TICKS_PER_SECOND = 100.0;
    private static final Duration POLL = Duration.ofMillis(250);

    /** What the phase produced; {@code failure} is null when it ran to the end. */
    record Outcome(String label, HoldFigures.Measured measured, TimeSeries series, Map<String, Long> errors,
                   Map<String, String> notes, String failure) {
    }

    private final HoldSettings s;
    private final String label;
    private final PeerTarget target;
    private final FleetTarget appliance;
    private final ProgressLine progress;
    private final Report report;
    private final long origin;
    private final Map<String, Long> errors = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private volatile long currentTarget;
    private boolean liveHeap;

    /**
     * @param appliance the same object as {@code target} when the target is the appliance, else null
     */
    HoldPhase(HoldSettings settings, String label, PeerTarget target, FleetTarget appliance, ProgressLine progress,
              Report report, long origin) {
        this.s = settings;
        this.label = label;
        this.target = target;
        this.appliance = appliance;
        this.progress = progress;
        this.report = report;
        this.origin = origin;
        this.liveHeap = settings.liveHeap() && appliance != null;
    }

    Outcome run(Path scratch) {
        TimeSeries series = new TimeSeries();
        ProcessSampler sampler = null;
        HoldFigures.Point baseline = null;
        List<HoldFigures.Point> points = new ArrayList<>();
        double connectSeconds = 0;
        long connected = 0;
        double quietSeconds = 0, quietCpu = 0, holdSeconds = 0, holdCpu = 0;
        long answered = 0, rssAfterHold = 0;
        String failure = null;
        try {
            progress.phase(label + " start", "", 0, () -> 0, () -> 0);
            target.start(new PeerTarget.Setup(scratch, s.devices(), s.fileLimit(), s.devicesPerWorker(),
                    s.workerJvmOptions(), Duration.ofSeconds(90)));
            long pid = target.pid();
            progress.log(String.format(Locale.ROOT, "[%s] %s pid %d%s", label, target.name(), pid,
                    appliance == null ? "" : ", " + appliance.plan().workers() + " worker process(es) of at most "
                            + appliance.plan().perWorker() + " devices"));
            sampler = new ProcessSampler(pid, appliance == null ? null : appliance.admin(), this::extraColumns, origin);
            if (appliance != null) {
                sampler.metrics(METRICS);
            }
            sampler.start(s.sampleInterval().toMillis());
            mark(label + ": started");
            pause(s.startPause());
            baseline = measure(pid, 0);
            AdminClient.Stats base = appliance == null ? null : appliance.admin().stats();
            List<Integer> steps = HoldFigures.steps(s.devices(), s.steps());
            boolean keepingAlive = false;
            for (int n : steps) {
                currentTarget = n;
                progress.phase(label + " connect", "connected", n, () -> target.counts().connected(),
                        () -> target.counts().connectFailed());
                long t0 = System.nanoTime();
                PeerTarget.Counts c = target.connect(n, s.connectRate(), s.settleTimeout());
                connectSeconds += (System.nanoTime() - t0) / 1e9;
                connected = c.connected();
                if (connected < n) {
                    progress.log(String.format(Locale.ROOT, "[%s] only %d of %d devices connected (%d failed)",
                            label, connected, n, c.connectFailed()));
                }
                if (connected == 0) {
                    throw new IOException("no device connected");
                }
                if (!keepingAlive && !s.keepAlive().isZero()) {
                    target.keepAlive(s.keepAlive(), s.keepAliveJitter());
                    keepingAlive = true;
                }
                if (appliance != null) {
                    awaitTier(base, connected);
                }
                pause(s.stepPause());
                points.add(measure(pid, connected));
                mark(label + ": N=" + connected);
                HoldFigures.Point p = points.getLast();
                progress.log(String.format(Locale.ROOT, "[%s] N=%d: rss %.1f MiB (%+.0f B/conn)%s", label, connected,
                        p.rssBytes() / 1048576.0,
                        HoldFigures.perConnection(p.rssBytes(), baseline.rssBytes(), connected),
                        p.liveHeapBytes() < 0 ? "" : String.format(Locale.ROOT, ", live heap %.1f MiB (%+.0f B/conn)",
                                p.liveHeapBytes() / 1048576.0,
                                HoldFigures.perConnection(p.liveHeapBytes(), baseline.liveHeapBytes(), connected))));
            }
            if (!s.quietWindow().isZero()) {
                target.keepAlive(Duration.ZERO, 0);
                pause(Duration.ofSeconds(1)); // answers in flight
                mark(label + ": quiet window");
                double[] w = window("quiet", s.quietWindow(), pid);
                quietSeconds = w[0];
                quietCpu = w[1];
            }
            if (!s.holdFor().isZero()) {
                if (!s.keepAlive().isZero()) {
                    target.keepAlive(s.keepAlive(), s.keepAliveJitter());
                }
                mark(label + ": hold window");
                long answered0 = target.counts().keepAlivesAnswered();
                double[] w = window("hold", s.holdFor(), pid);
                holdSeconds = w[0];
                holdCpu = w[1];
                answered = target.counts().keepAlivesAnswered() - answered0;
            }
            rssAfterHold = ProcFiles.rssBytes(pid);
            target.keepAlive(Duration.ZERO, 0);
            pause(Duration.ofSeconds(1)); // the last answers arrive; counts are exact after the next progress line
            mark(label + ": end");
            PeerTarget.Counts end = appliance != null ? appliance.exactCounts() : target.counts();
            error("connect_failed", end.connectFailed());
            error("dropped", end.dropped());
            error("keepalives_unanswered", Math.max(0, end.keepAlivesSent() - end.keepAlivesAnswered()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted (stopped by --max-duration or a signal)";
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            if (Thread.currentThread().isInterrupted()) {
                failure = "stopped by --max-duration or a signal: " + failure;
            }
        } finally {
            if (sampler != null) {
                sampler.close();
                series = sampler.series();
                error("sample_failures", sampler.failedSamples());
            }
            target.close();
        }
        if (failure != null) {
            progress.log("[" + label + "] failed: " + failure);
        }
        long rssBase = baseline == null ? 0 : baseline.rssBytes();
        series.derive("rss_bytes_per_connection", row -> {
            Number rss = row.get("rss_bytes");
            Number n = row.get("connected");
            return rss == null || n == null || n.longValue() <= 0 ? null
                    : (rss.doubleValue() - rssBase) / n.doubleValue();
        });
        HoldFigures.Measured m = baseline == null ? null : new HoldFigures.Measured(baseline, points,
                connectSeconds, connected, quietSeconds, quietCpu, holdSeconds, holdCpu, answered, rssAfterHold,
                sampler == null ? 0 : sampler.peakRssBytes(), sampler == null ? 0 : sampler.peakCpuCores(),
                appliance == null ? null : appliance.handshakeNanos());
        return new Outcome(label, m, series, errors, notes, failure);
    }

    private Map<String, Number> extraColumns() {
        Map<String, Number> m = new LinkedHashMap<>(target.counts().toMap());
        m.put("target", currentTarget);
        return m;
    }

    private void error(String name, long count) {
        errors.merge(name, count, Long::sum);
    }

    private void mark(String what) {
        report.mark((System.nanoTime() - origin) / 1e9, what);
    }

    /** Memory now; the live heap first (it collects), so RSS is read right after, like density does. */
    private HoldFigures.Point measure(long pid, long devices) throws IOException, InterruptedException {
        long heap = -1;
        if (liveHeap) {
            try {
                heap = Jcmd.liveHeapBytesInOneAttach(pid, 2);
            } catch (IOException e) {
                liveHeap = false;
                notes.put(label + "_live_heap", "live heap not measured: jcmd failed (" + e.getMessage() + ")");
            }
        }
        return new HoldFigures.Point(devices, ProcFiles.rssBytes(pid), heap);
    }

    /** Waits until every connected device is in the tier (and, on an appliance of our own, no other is). */
    private void awaitTier(AdminClient.Stats base, long connected) throws IOException, InterruptedException {
        String tier = appliance.tier();
        long already = base.inTier(tier);
        progress.phase(label + " settle", "in " + tier, connected, () -> {
            try {
                return appliance.admin().stats().inTier(tier) - already;
            } catch (IOException | InterruptedException e) {
                return 0;
            }
        }, () -> target.counts().connectFailed());
        long end = System.nanoTime() + s.settleTimeout().toNanos();
        while (true) {
            AdminClient.Stats st = appliance.admin().stats();
            long inTier = st.inTier(tier) - already;
            boolean others = appliance.startedByHarness() && st.total() != st.inTier(tier);
            if (inTier >= connected && !others) {
                return;
            }
            if (System.nanoTime() > end) {
                error("settle_timeouts", 1);
                notes.put(label + "_settle", "not every device reached " + tier + " within --settle-timeout "
                        + s.settleTimeout().toSeconds() + " s (last stats: " + st + "); memory read anyway");
                return;
            }
            if (!appliance.alive()) {
                throw new IOException("the appliance exited");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** {seconds, CPU seconds of the target} over a window of {@code length}, with the progress line counting it. */
    private double[] window(String name, Duration length, long pid) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long seconds = Math.max(1, length.toSeconds());
        progress.phase(label + " " + name, "s", seconds,
                () -> Math.min(seconds, (System.nanoTime() - start) / 1_000_000_000L),
                () -> target.counts().connectFailed() + target.counts().dropped());
        double cpu0 = ProcFiles.cpuTicks(pid) / TICKS_PER_SECOND;
        long end = start + length.toNanos();
        while (System.nanoTime() < end) {
            if (appliance != null && !appliance.alive()) {
                throw new IOException("the appliance exited during the " + name + " window");
            }
            Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), (end - System.nanoTime()) / 1_000_000)));
        }
        double cpu1 = ProcFiles.cpuTicks(pid) / TICKS_PER_SECOND;
        return new double[] {(System.nanoTime() - start) / 1e9, cpu1 - cpu0};
    }

    private static void pause(Duration d) throws InterruptedException {
        if (!d.isZero()) {
            Thread.sleep(d.toMillis());
        }
    }
}
