package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.report.ProcessSampler;
import io.connmgr.loadtest.report.TimeSeries;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The time series of one storm: the server process (through a {@link ProcessSampler} per pid, since a restart gives
 * it a new one), the server's own counts, and the devices' counters, one row per sample. Keeps the peak RSS and CPU
 * seen from the moment the storm begins. One thread.
 */
final class StormSamples {
    private static final String RSS = "rss_bytes";
    private static final String CPU = "cpu_seconds";

    private final TimeSeries series = new TimeSeries();
    private final long origin = System.nanoTime();
    private final Map<Long, ProcessSampler> samplers = new HashMap<>();
    private double peaksFrom = Double.MAX_VALUE;
    private long peakRss;
    private double peakCpuCores;
    private long lastPid = -1;
    private double lastCpu;
    private double lastT;

    double now() {
        return (System.nanoTime() - origin) / 1e9;
    }

    /** Peaks count from now on. */
    void startPeaks() {
        peaksFrom = now();
    }

    /** One row; the process columns are missing while it is down (restarting). Returns the row. */
    Map<String, Number> add(long pid, Map<String, Number> serverColumns, LiveWorkers.Totals devices) {
        double t = now();
        Map<String, Number> row = new LinkedHashMap<>();
        try {
            Map<String, Number> proc = samplers.computeIfAbsent(pid, p -> new ProcessSampler(p, null, null)).sample();
            row.putAll(proc);
            long rss = proc.get(RSS).longValue();
            double cpu = proc.get(CPU).doubleValue();
            if (t >= peaksFrom) {
                peakRss = Math.max(peakRss, rss);
                if (pid == lastPid && t > lastT) {
                    peakCpuCores = Math.max(peakCpuCores, (cpu - lastCpu) / (t - lastT));
                }
            }
            lastPid = pid;
            lastCpu = cpu;
            lastT = t;
        } catch (IOException | IllegalArgumentException e) {
            // The process is gone (restarting), or a killed one not yet reaped, whose /proc/PID/status has no VmRSS:
            // its columns stay empty in this row.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        row.putAll(serverColumns);
        if (devices != null) {
            row.putAll(devices.columns());
        }
        series.add(t, row);
        return row;
    }

    TimeSeries series() {
        return series;
    }

    long peakRssBytes() {
        return peakRss;
    }

    double peakCpuCores() {
        return peakCpuCores;
    }

    void close() {
        samplers.values().forEach(ProcessSampler::close);
    }
}
