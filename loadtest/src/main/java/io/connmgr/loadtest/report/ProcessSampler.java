package io.connmgr.loadtest.report;

import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.probe.PrometheusText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Samples a server process from outside at a fixed interval into a {@link TimeSeries}: RSS, CPU seconds and open
 * files from /proc of its pid, and, for the appliance, the tier counts of {@code GET /v1/stats}. Extra columns (the
 * load generator's own counters) come from {@code extra}. Works for any process, so a peer (mosquitto) is sampled the
 * same way as the appliance.
 *
 * <p>Several samplers of one run (one per appliance process, one for a peer) share a clock when they are given the same
 * origin ({@link #ProcessSampler(long, AdminClient, Supplier, long)}), so their series can be appended into one
 * ({@link TimeSeries#addAll}) and drawn on one time axis. With {@link #metrics}, chosen Prometheus metrics of the
 * appliance's {@code /metrics} are sampled too, each summed over its label sets into a column of its own name.
 */
public final class ProcessSampler implements AutoCloseable {
    /** Clock ticks per second of /proc/PID/stat; 100 on every Linux this runs on (USER_HZ). */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long pid;
    private final AdminClient admin;
    private final Supplier<Map<String, ? extends Number>> extra;
    private final TimeSeries series = new TimeSeries();
    private final long start;
    private final List<String> metrics = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile long peakRss;
    private volatile double peakCpuPerSecond;
    private double lastCpu = -1;
    private double lastT;
    private volatile long failedSamples;
    private volatile long failedAdminSamples;
    private volatile Map<String, Number> last = Map.of();

    /**
     * @param admin may be null (a peer has no admin API)
     * @param extra may be null
     */
    public ProcessSampler(long pid, AdminClient admin, Supplier<Map<String, ? extends Number>> extra) {
        this(pid, admin, extra, System.nanoTime());
    }

    /**
     * @param originNanos the {@link System#nanoTime()} that is t = 0 of the series
     */
    public ProcessSampler(long pid, AdminClient admin, Supplier<Map<String, ? extends Number>> extra,
                          long originNanos) {
        this.pid = pid;
        this.admin = admin;
        this.extra = extra;
        this.start = originNanos;
    }

    /**
     * Also samples these Prometheus metrics of the appliance (needs the admin client), each the sum over its label
     * sets, into a column named like the metric ({@code cm_keepalives_answered_total}). Call before {@link #start}.
     */
    public synchronized ProcessSampler metrics(String... names) {
        metrics.addAll(List.of(names));
        return this;
    }

    /** Seconds since the origin, on the clock of the series. */
    public double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    public long pid() {
        return pid;
    }

    public ProcessSampler start(long intervalMillis) {
        timer.scheduleAtFixedRate(this::sampleQuietly, 0, intervalMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Takes one sample now (also usable without {@link #start}). */
    public synchronized Map<String, Number> sample() throws IOException, InterruptedException {
        double t = (System.nanoTime() - start) / 1e9;
        Map<String, Number> row = new LinkedHashMap<>();
        long rss = ProcFiles.rssBytes(pid);
        double cpu = ProcFiles.cpuTicks(pid) / TICKS_PER_SECOND;
        row.put("rss_bytes", rss);
        row.put("cpu_seconds", cpu);
        row.put("open_files", ProcFiles.openFiles(pid));
        peakRss = Math.max(peakRss, rss);
        if (lastCpu >= 0 && t > lastT) {
            peakCpuPerSecond = Math.max(peakCpuPerSecond, (cpu - lastCpu) / (t - lastT));
        }
        lastCpu = cpu;
        lastT = t;
        if (admin != null) {
            try {
                AdminClient.Stats s = admin.stats();
                row.put("active", s.active());
                row.put("idle", s.idle());
                row.put("sleep", s.sleep());
                if (!metrics.isEmpty()) {
                    String text = admin.metrics();
                    for (String m : metrics) {
                        double v = PrometheusText.sum(text, m);
                        if (!Double.isNaN(v)) {
                            row.put(m, v);
                        }
                    }
                }
            } catch (IOException e) {
                // The process is there but its admin API did not answer (busy, starting, draining): the /proc
                // columns of this sample still count, the admin ones are a gap.
                failedAdminSamples++;
            }
        }
        if (extra != null) {
            row.putAll(extra.get());
        }
        series.add(t, row);
        last = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(row));
        return row;
    }

    /** The newest sample taken, empty before the first. */
    public Map<String, Number> lastSample() {
        return last;
    }

    /**
     * Samples that failed: the process was gone (a gap in the whole series) or its admin API did not answer (a gap in
     * the tier and metric columns only).
     */
    public long failedSamples() {
        return failedSamples + failedAdminSamples;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (IOException | RuntimeException e) {
            // The process may be restarting (storm), killed and not yet reaped (no VmRSS line), or gone: the gap
            // shows in the series, and the next sample tries again.
            failedSamples++;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public TimeSeries series() {
        return series;
    }

    public long peakRssBytes() {
        return peakRss;
    }

    /** The highest CPU use between two samples, in cores (1.0 = one core busy). */
    public double peakCpuCores() {
        return peakCpuPerSecond;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
