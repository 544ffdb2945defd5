package io.connmgr.loadtest.report;

import io.connmgr.loadtest.probe.AdminClient;
import io.connmgr.loadtest.probe.ProcFiles;

import java.io.IOException;
import java.util.LinkedHashMap;
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
 */
public final class ProcessSampler implements AutoCloseable {
    /** Clock ticks per second of /proc/PID/stat; 100 on every Linux this runs on (USER_HZ). */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long pid;
    private final AdminClient admin;
    private final Supplier<Map<String, ? extends Number>> extra;
    private final TimeSeries series = new TimeSeries();
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile long peakRss;
    private volatile double peakCpuPerSecond;
    private double lastCpu = -1;
    private double lastT;

    /**
     * @param admin may be null (a peer has no admin API)
     * @param extra may be null
     */
    public ProcessSampler(long pid, AdminClient admin, Supplier<Map<String, ? extends Number>> extra) {
        this.pid = pid;
        this.admin = admin;
        this.extra = extra;
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
            AdminClient.Stats s = admin.stats();
            row.put("active", s.active());
            row.put("idle", s.idle());
            row.put("sleep", s.sleep());
        }
        if (extra != null) {
            row.putAll(extra.get());
        }
        series.add(t, row);
        return row;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (IOException | RuntimeException e) {
            // The process may be restarting (storm), killed and not yet reaped (no VmRSS line), or gone: the gap
            // shows in the series, and the next sample tries again.
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
