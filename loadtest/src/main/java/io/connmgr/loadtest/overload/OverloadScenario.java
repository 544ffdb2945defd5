package io.connmgr.loadtest.overload;

import io.connmgr.agent.stream.Exposure;
import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.DeviceFleet;
import io.connmgr.loadtest.backend.LatencyRecorder;
import io.connmgr.loadtest.backend.PacedCalls;
import io.connmgr.loadtest.backend.Schedule;
import io.connmgr.loadtest.report.Report;
import io.connmgr.protocol.client.BackendClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * {@code cm loadtest overload}: a normal workload (RPCs and downlink messages to the fleet at a baseline rate), then
 * {@code factor} times that load from a second back-end aimed where it hurts (message floods to a few hot devices, RPCs
 * and messages to devices that stopped reading, streams whose back-end stopped reading while the device's side sends
 * without end), then the baseline again. Throughout, the baseline back-end's RPCs to the other devices are measured:
 * what the overload costs them is the point, reported per phase with the appliance's readiness, memory and the counts of
 * its explicit refusals.
 */
public final class OverloadScenario {
    /** Appliance settings: limits small enough that a short run reaches them, timeouts short enough to be seen. */
    public static final List<String> APPLIANCE_FLAGS = List.of("--message-queue-max", "50", "--rpc-timeout", "2s",
            "--idle-after", "1h", "--sleep-after", "2h");
    // (A message to a device that does not read waits in its queue: --message-queue-max is reached first there.)
    static final int STREAM_PORT = 9000;
    private static final Duration RPC_TIMEOUT = Duration.ofSeconds(2);
    private static final byte[] BODY = new byte[64];

    /**
     * @param rate     baseline RPCs per second to the fleet (measured in every phase)
     * @param messages baseline downlink messages per second to the fleet
     * @param factor   the overload phase offers this many times the baseline calls in all
     * @param hot      fleet devices the message flood and the streams aim at
     * @param stalled  extra devices that connect and never read
     * @param streams  streams opened to hot devices whose back-end never reads
     */
    public record Settings(double rate, double messages, int factor, int hot, int stalled, int streams,
                           Duration baseline, Duration overload, Duration recovery) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rate_per_s", rate);
            m.put("messages_per_s", messages);
            m.put("factor", factor);
            m.put("hot_devices", hot);
            m.put("stalled_devices", stalled);
            m.put("stalled_streams", streams);
            m.put("baseline_s", baseline.toSeconds());
            m.put("overload_s", overload.toSeconds());
            m.put("recovery_s", recovery.toSeconds());
            return m;
        }
    }

    private OverloadScenario() {
    }

    /** Hot devices are the fleet's first {@code hot}: they expose the firehose on {@link #STREAM_PORT}. */
    public static DeviceFleet.Spec fleetSpec(int devices, int threads, int firehosePort) {
        return new DeviceFleet.Spec(devices, "dev", 0, new Exposure(STREAM_PORT, "127.0.0.1", firehosePort), null,
                threads, null);
    }

    /** Runs the three phases; returns false when the appliance was not alive and ready at the end. */
    public static boolean run(BackendSession s, StalledStreams streams, Settings settings, Report report)
            throws Exception {
        DeviceFleet fleet = s.fleet();
        int victims = fleet.size() - settings.hot();
        if (victims < 1) {
            throw new IllegalArgumentException("--hot must leave devices that are not hot");
        }
        try (StalledDevices stalled = StalledDevices.connect(s.appliance().devicePort(), s.appliance().fleetKey(),
                "stalled", settings.stalled());
             BackendClient flooder = BackendClient.builder().host("127.0.0.1").port(s.appliance().controlPort())
                     .credentials(s.appliance().backendName(), s.appliance().backendToken()).build()) {
            flooder.connect().get(10, TimeUnit.SECONDS);
            Readiness readiness = new Readiness(s);
            s.counter("not_ready_samples", readiness.notReady::get);
            s.counter("firehose_offered_bytes", streams.offered::get);
            long t0 = s.samplerStartNanos();
            report.mark(seconds(t0), "baseline");
            phase("baseline", s, flooder, stalled, streams, settings, settings.baseline(), false, report, readiness);
            report.mark(seconds(t0), "overload x" + settings.factor());
            phase("overload", s, flooder, stalled, streams, settings, settings.overload(), true, report, readiness);
            report.mark(seconds(t0), "recovery");
            phase("recovery", s, flooder, stalled, streams, settings, settings.recovery(), false, report, readiness);
            report.figure("stalled_devices_connected_at_end_count", stalled.connected());
            report.figure("stalled_streams_opened_count", streams.opened.get());
            report.figure("stalled_streams_refused_count", streams.refused.get());
            report.figure("firehose_offered_bytes", streams.offered.get());
            overflowCounts(s, report);
            boolean ready = s.appliance().admin().ready();
            report.figure("ready_at_end", ready ? 1 : 0);
            readiness.close();
            report.figure("not_ready_samples_count", readiness.notReady.get());
            report.figure("readiness_samples_count", readiness.samples.get());
            return ready;
        }
    }

    private static void phase(String name, BackendSession s, BackendClient flooder, StalledDevices stalled,
                              StalledStreams streams, Settings settings, Duration length, boolean overload,
                              Report report, Readiness readiness) throws Exception {
        DeviceFleet fleet = s.fleet();
        BackendClient backend = s.backend();
        int hot = settings.hot();
        LongFunction<String> victim = i -> fleet.id(hot + ThreadLocalRandom.current().nextInt(fleet.size() - hot));
        List<PacedCalls> runs = new ArrayList<>();
        LatencyRecorder victimLatency = new LatencyRecorder();
        runs.add(new PacedCalls(name + " victim rpc", schedule(settings.rate(), length), 4096,
                i -> backend.rpc(victim.apply(i), "echo", BODY, RPC_TIMEOUT), victimLatency, null));
        runs.add(new PacedCalls(name + " messages", schedule(settings.messages(), length), 4096,
                i -> backend.send(victim.apply(i), BODY, null, null), new LatencyRecorder(), null));
        // The extra load: (factor - 1) times the baseline calls, half messages, half RPCs, all at the bad spots.
        double extra = (settings.factor() - 1) * (settings.rate() + settings.messages()) / 2;
        List<String> stalledIds = stalled.ids();
        if (overload) {
            runs.add(new PacedCalls(name + " flood messages", schedule(extra, length), 4096, i -> {
                String target = i % 2 == 1 && !stalledIds.isEmpty() ? stalledIds.get((int) (i / 2 % stalledIds.size()))
                        : fleet.id((int) (i % hot));
                return flooder.send(target, BODY, null, null);
            }, new LatencyRecorder(), null));
            runs.add(new PacedCalls(name + " stalled rpc", schedule(stalledIds.isEmpty() ? 0.001 : extra, length),
                    65536, i -> stalledIds.isEmpty() ? CompletableFuture.completedFuture(null)
                    : flooder.rpc(stalledIds.get((int) (i % stalledIds.size())), "echo", BODY, RPC_TIMEOUT),
                    new LatencyRecorder(), null));
            Thread.ofVirtual().name("stalled-streams").start(() -> {
                for (int i = 0; i < settings.streams(); i++) {
                    streams.open(s.appliance().proxyPort(), fleet.id(i % hot), STREAM_PORT);
                }
            });
        }
        long rssBefore = s.sampler().peakRssBytes();
        List<Thread> threads = new ArrayList<>();
        List<PacedCalls.Outcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (PacedCalls run : runs) {
            threads.add(Thread.ofPlatform().name(name).start(() -> {
                try {
                    outcomes.add(run.run(RPC_TIMEOUT.plusSeconds(3)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        for (PacedCalls.Outcome o : outcomes) {
            o.addTo(report, o.name().replace(' ', '_'));
        }
        report.latency(name + "_victim_rpc", victimLatency.all());
        report.figure(name + "_victim_rpc_success_ratio", ratio(outcomes, name + " victim rpc"));
        report.figure(name + "_peak_rss_bytes", Math.max(rssBefore, s.sampler().peakRssBytes()));
        report.figure(name + "_heap_used_bytes", s.metric("jvm_memory_used_bytes{area=\"heap\""));
        report.figure(name + "_buffers_direct_bytes", s.metric("cm_buffers_allocator_direct_bytes"));
        report.figure(name + "_not_ready_samples_count", readiness.notReady.get());
        System.err.printf("%s: victim RPC p50 %.1f ms p99 %.1f ms success %.4f; RSS peak %,d MiB%n", name,
                victimLatency.all().getValueAtPercentile(50) / 1e6, victimLatency.all().getValueAtPercentile(99) / 1e6,
                ratio(outcomes, name + " victim rpc"), s.sampler().peakRssBytes() >> 20);
    }

    private static double ratio(List<PacedCalls.Outcome> outcomes, String name) {
        for (PacedCalls.Outcome o : outcomes) {
            if (o.name().equals(name)) {
                return o.sent() == 0 ? 0 : (double) o.ok() / o.sent();
            }
        }
        return 0;
    }

    private static Schedule schedule(double rate, Duration length) {
        return Schedule.of(rate, Math.max(1, (long) (rate * length.toMillis() / 1000.0)), length);
    }

    /** The appliance's explicit refusals, from its own counters. */
    private static void overflowCounts(BackendSession s, Report report) {
        Map<String, String> counters = new LinkedHashMap<>();
        counters.put("refused_messages_device_queue_full_count", "cm_messages_rejected_total{reason=\"queue_full\"");
        counters.put("refused_messages_appliance_full_count", "cm_messages_rejected_total{reason=\"appliance_full\"");
        counters.put("refused_messages_store_busy_count", "cm_messages_rejected_total{reason=\"store_busy\"");
        counters.put("refused_rpc_busy_count", "cm_rpc_calls_total{outcome=\"busy\"");
        counters.put("rpc_timeouts_count", "cm_rpc_calls_total{outcome=\"timeout\"");
        counters.put("rpc_device_timeouts_count", "cm_rpc_calls_total{outcome=\"device_timeout\"");
        counters.put("refused_streams_appliance_cap_count", "cm_streams_refused_total{limit=\"appliance\"");
        counters.put("uplink_pauses_count", "cm_uplink_paused_total");
        counters.put("events_dropped_count", "cm_control_events_dropped_total");
        counters.forEach((figure, selector) -> {
            double v = s.metric(selector);
            report.figure(figure, Double.isNaN(v) ? 0 : v);
        });
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Polls /readyz twice a second and counts the answers that were not 200. */
    private static final class Readiness implements AutoCloseable {
        final AtomicLong samples = new AtomicLong();
        final AtomicLong notReady = new AtomicLong();
        private volatile boolean stopped;
        private final Thread poller;

        Readiness(BackendSession s) {
            poller = Thread.ofVirtual().name("readiness").start(() -> {
                while (!stopped) {
                    samples.incrementAndGet();
                    if (!s.appliance().admin().ready()) {
                        notReady.incrementAndGet();
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            poller.interrupt();
            poller.join(5000);
        }
    }
}
