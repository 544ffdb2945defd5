package io.connmgr.loadtest.density;

import io.connmgr.loadtest.probe.AdminClient;

import java.util.List;

/** What one density run measured; serialised as the JSON report. */
public final class DensityResults {
    private DensityResults() {
    }

    /** Memory with {@code devices} connected, read after full collections. */
    public record MemoryPoint(int devices, long rssBytes, long liveHeapBytes, AdminClient.Stats stats,
                              String loadAverage) {
    }

    /**
     * Appliance CPU over a window in which the fleet sent PINGs at a fixed rate, and over a window of the same length
     * without PINGs; net = (with - without) / answered.
     */
    public record CpuPerPing(double windowSeconds, long pingsSent, long pongsReceived, double answeredInTier,
                             double pingWindowCpuSeconds, double quietWindowCpuSeconds, double rawMicrosPerPing,
                             double netMicrosPerPing, AdminClient.Stats statsAfter,
                             java.util.Map<String, Long> pingWindowTicksByThread,
                             java.util.Map<String, Long> quietWindowTicksByThread) {
    }

    /** MSG-to-ACK round trips, one device at a time; in microseconds. */
    public record Latency(long count, int failed, double p50, double p90, double p99, double max, double mean) {
    }

    /** Classes whose live instances grew most between the smallest and the largest N, in bytes per device. */
    public record HeapGrowth(String className, double instancesPerDevice, double bytesPerDevice) {
    }

    public record TierResult(String tier, MemoryPoint baseline, List<MemoryPoint> points, LinearFit rssFit,
                             LinearFit liveHeapFit, List<HeapGrowth> heapGrowth, CpuPerPing cpu, Latency msgToAck,
                             String error) {
    }

    public record Machine(int processors, long memTotalBytes, String kernel, String javaVersion,
                          String loadAverageAtStart) {
    }

    public record Report(String startedAt, Machine machine, List<String> applianceJvmOptions, List<Integer> devices,
                         int workers, int devicesPerWorker, long pingsPerWindow, double pingWindowSeconds,
                         int wakes, List<TierResult> tiers) {
    }
}
