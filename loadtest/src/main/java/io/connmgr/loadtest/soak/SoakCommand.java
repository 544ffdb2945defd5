package io.connmgr.loadtest.soak;

import io.connmgr.agent.stream.Exposure;
import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.CommandLines;
import io.connmgr.loadtest.backend.CommonOptions;
import io.connmgr.loadtest.backend.DurationOption;
import io.connmgr.loadtest.backend.DeviceFleet;
import io.connmgr.loadtest.backend.LatencyRecorder;
import io.connmgr.loadtest.backend.Latencies;
import io.connmgr.loadtest.backend.PacedCalls;
import io.connmgr.loadtest.backend.Schedule;
import io.connmgr.loadtest.backend.Waits;
import io.connmgr.loadtest.backend.Windows;
import io.connmgr.loadtest.messages.Deliveries;
import io.connmgr.loadtest.report.Percentiles;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;
import io.connmgr.protocol.message.StreamMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * {@code cm loadtest soak}: a long, bounded mix. Devices hold their connections with keep-alives (most asleep, some
 * kept ACTIVE) while a back-end calls RPCs on random devices, pushes messages to random devices and opens streams
 * to random devices through the SOCKS5 port, each at a fixed rate. The appliance is sampled throughout; the report
 * gives the slope of its RSS per hour after the warm-up, and latency per window so that the first window can be
 * set against the last.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A long mix of keep-alives, RPCs, pushes and stream opens: memory and latency stability over "
                + "time, RSS slope per hour.")
public final class SoakCommand implements Callable<Integer> {
    /** The port devices expose to streams; the device's echo service is behind it. */
    static final int DEVICE_PORT = 9000;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = soakDefaults();

    @Option(names = "--duration", defaultValue = "30m", converter = DurationOption.class, description = "how long the mix runs (default ${DEFAULT-VALUE})")
    Duration duration = Duration.ofMinutes(30);

    @Option(names = "--warmup", converter = DurationOption.class, description = "time at the start left out of the RSS slope and the windows "
            + "(default: a sixth of --duration, at most 5 minutes)")
    Duration warmup;

    @Option(names = "--window", converter = DurationOption.class, description = "length of a latency window (default: a fifth of the time after the "
            + "warm-up)")
    Duration window;

    @Option(names = "--active", description = "devices kept ACTIVE (SET_ALWAYS_ACTIVE); the rest fall asleep "
            + "(default: a tenth of --devices)")
    Integer active;

    @Option(names = "--keepalive", description = "keep-alive interval the devices ask for, seconds "
            + "(default ${DEFAULT-VALUE})")
    int keepAliveSeconds = 30;

    @Option(names = "--rpc-rate", description = "RPCs per second to random devices; 0: none (default ${DEFAULT-VALUE})")
    double rpcRate = 20;

    @Option(names = "--push-rate", description = "messages per second to random devices; 0: none "
            + "(default ${DEFAULT-VALUE})")
    double pushRate = 10;

    @Option(names = "--stream-rate", description = "streams per second through the SOCKS5 port to random devices; "
            + "0: none (default ${DEFAULT-VALUE})")
    double streamRate = 5;

    @Option(names = "--stream-bytes", description = "bytes sent and echoed on each stream (default ${DEFAULT-VALUE})")
    int streamBytes = 256;

    @Option(names = "--stream-mode", description = "how the devices take streams: multiplexed or data-connection "
            + "(default ${DEFAULT-VALUE})")
    String streamMode = "multiplexed";

    @Option(names = "--call-timeout", defaultValue = "10s", converter = DurationOption.class, description = "timeout of each RPC and stream (default ${DEFAULT-VALUE})")
    Duration timeout = Duration.ofSeconds(10);

    @Option(names = "--delivery-wait", defaultValue = "60s", converter = DurationOption.class,
            description = "how long to wait after the mix for accepted pushes to reach their devices "
                    + "(default ${DEFAULT-VALUE})")
    Duration deliveryWait;

    @Option(names = "--in-flight", description = "most calls of one kind outstanding at once "
            + "(default ${DEFAULT-VALUE})")
    int inFlight = 1000;

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("soak-report.json");

    private static CommonOptions soakDefaults() {
        CommonOptions c = new CommonOptions();
        c.sampleInterval = Duration.ofSeconds(5);
        return c;
    }

    /** The resolved settings; fails on ones that contradict each other. */
    record Settings(Duration duration, Duration warmup, Duration window, int active, StreamMode mode) {
    }

    Settings settings() {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        Duration w = warmup != null ? warmup : min(duration.dividedBy(6), Duration.ofMinutes(5));
        if (w.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--warmup must be shorter than --duration");
        }
        Duration win = window != null ? window : duration.minus(w).dividedBy(5);
        if (win.isZero() || win.isNegative()) {
            throw new IllegalArgumentException("--window must be positive");
        }
        int act = active != null ? active : common.devices / 10;
        if (act < 0 || act > common.devices) {
            throw new IllegalArgumentException("--active must be between 0 and --devices");
        }
        if (rpcRate < 0 || pushRate < 0 || streamRate < 0 || rpcRate + pushRate + streamRate == 0) {
            throw new IllegalArgumentException("rates must not be negative, and at least one must be positive");
        }
        StreamMode mode = switch (streamMode) {
            case "multiplexed" -> StreamMode.MULTIPLEXED;
            case "data-connection" -> StreamMode.DATA_CONNECTION;
            default -> throw new IllegalArgumentException("--stream-mode is multiplexed or data-connection");
        };
        return new Settings(duration, w, win, act, mode);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public Integer call() throws Exception {
        Settings st = settings();
        Map<String, Object> params = new LinkedHashMap<>(common.parameters());
        params.put("duration_s", st.duration().toMillis() / 1000.0);
        params.put("warmup_s", st.warmup().toMillis() / 1000.0);
        params.put("window_s", st.window().toMillis() / 1000.0);
        params.put("active_devices", st.active());
        params.put("keepalive_s", keepAliveSeconds);
        params.put("rpc_rate_per_s", rpcRate);
        params.put("push_rate_per_s", pushRate);
        params.put("stream_rate_per_s", streamRate);
        params.put("stream_bytes", streamBytes);
        params.put("stream_mode", streamMode);
        params.put("call_timeout_s", timeout.toMillis() / 1000.0);
        params.put("delivery_wait_s", deliveryWait.toMillis() / 1000.0);
        Report report = new Report("soak", CommandLines.of(spec), params);
        report.note("devices", "DeviceClient instances in the load generator's process, keep-alive " + keepAliveSeconds
                + " s, exposing port " + DEVICE_PORT + " (an echo service); the appliance runs in its own process "
                + "with idle-after 1s, sleep-after 2s, so devices that are not kept ACTIVE sleep between calls");
        report.note("latency", "rpc and stream_open latency is from each call's due time on its fixed-rate schedule "
                + "(coordinated omission corrected); a stream open is SOCKS5 connect + CONNECT + " + streamBytes
                + " bytes echoed by the device's service; windows start after the warm-up");
        Deliveries deliveries = new Deliveries();
        boolean healthy;
        try (EchoService echo = new EchoService();
             BackendSession s = BackendSession.open(common, "cm-soak-", true, List.of("--idle-after", "1s",
                             "--sleep-after", "2s", "--keep-alive-min", "1s", "--message-queue-max", "100000"),
                     new DeviceFleet.Spec(common.devices, "soak", keepAliveSeconds,
                             new Exposure(DEVICE_PORT, Exposure.LOCALHOST, echo.port()), st.mode(),
                             common.deviceThreads, deliveries::onMessage));
             ExecutorService streams = Executors.newVirtualThreadPerTaskExecutor()) {
            int devices = s.fleet().size();
            Duration settle = Duration.ofSeconds(30 + devices / 500);
            s.fleet().alwaysActive(0, st.active(), true, settle);
            s.awaitActive(st.active(), settle);
            s.awaitAsleep(devices - st.active(), settle);
            samplerStart = s.samplerStartNanos();
            mix(s, st, deliveries, streams, report);
            healthy = s.finish(report);
            trends(report, s.sampler().series(), st);
        }
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return healthy ? 0 : 1;
    }

    private long samplerStart;
    private long mixStartNanos;

    private void mix(BackendSession s, Settings st, Deliveries deliveries, ExecutorService streamWorkers,
                     Report report) throws Exception {
        mixStartNanos = System.nanoTime();
        Windows windows = Windows.over(st.duration(), st.warmup(), st.window());
        LatencyRecorder rpcLatency = new LatencyRecorder(windows, mixStartNanos);
        LatencyRecorder streamLatency = new LatencyRecorder(windows, mixStartNanos);
        LatencyRecorder pushAccept = new LatencyRecorder(windows, mixStartNanos);
        LatencyRecorder pushEndToEnd = new LatencyRecorder(windows, mixStartNanos);
        deliveries.begin(1, pushEndToEnd);
        long[] pingsBefore = s.fleet().pingsAndPongs();
        byte[] streamPayload = new byte[Math.max(1, streamBytes)];
        for (int i = 0; i < streamPayload.length; i++) {
            streamPayload[i] = (byte) ('a' + i % 26);
        }
        int proxyPort = s.appliance().proxyPort();
        Map<String, PacedCalls> kinds = new LinkedHashMap<>();
        add(kinds, "rpc", rpcRate, st, i -> s.backend().rpc(s.fleet().randomId(), "echo",
                ("soak " + i).getBytes(StandardCharsets.UTF_8), timeout), rpcLatency);
        add(kinds, "push", pushRate, st, i -> s.backend().send(s.fleet().randomId(),
                Deliveries.payload(1, (int) i, 64), null, null), pushAccept);
        add(kinds, "stream_open", streamRate, st, i -> {
            String device = s.fleet().randomId();
            return CompletableFuture.runAsync(() -> {
                try {
                    Socks5Echo.run(proxyPort, device, DEVICE_PORT, streamPayload, timeout);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, streamWorkers);
        }, streamLatency);
        kinds.forEach((name, calls) -> {
            s.counter(name + "_ok", calls::ok);
            s.counter(name + "_failed", calls::failed);
        });
        s.counter("push_delivered", deliveries::delivered);

        Map<String, AtomicReference<PacedCalls.Outcome>> outcomes = new LinkedHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (Map.Entry<String, PacedCalls> k : kinds.entrySet()) {
            AtomicReference<PacedCalls.Outcome> result = new AtomicReference<>();
            outcomes.put(k.getKey(), result);
            threads.add(Thread.ofPlatform().name("soak-" + k.getKey()).start(() -> {
                try {
                    result.set(k.getValue().run(timeout.plusSeconds(5)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        System.err.printf("soak: %,d s of RPCs %.1f/s, pushes %.1f/s, streams %.1f/s to %,d devices (%,d active)%n",
                st.duration().toSeconds(), rpcRate, pushRate, streamRate, s.fleet().size(), st.active());
        long hardEnd = mixStartNanos + st.duration().plus(timeout).plusSeconds(60).toNanos();
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(Duration.ofSeconds(10));
                progress(s, kinds, deliveries);
                if (System.nanoTime() > hardEnd) {
                    kinds.values().forEach(PacedCalls::stop);
                    threads.forEach(Thread::interrupt);
                }
                if (!s.appliance().isAlive()) {
                    kinds.values().forEach(PacedCalls::stop);
                }
            }
        }
        double seconds = (System.nanoTime() - mixStartNanos) / 1e9;
        report.figure("soak_seconds", seconds);

        PacedCalls.Outcome push = outcomes.containsKey("push") ? outcomes.get("push").get() : null;
        if (push != null) {
            try {
                Waits.until("every accepted push delivered", deliveryWait, s.appliance(),
                        () -> deliveries.delivered() >= push.ok());
            } catch (IOException e) {
                report.note("push_delivery", e.getMessage());
            }
        }
        long[] pingsAfter = s.fleet().pingsAndPongs();
        report.figure("keepalive_pings_count", pingsAfter[0] - pingsBefore[0]);
        report.figure("keepalive_pongs_count", pingsAfter[1] - pingsBefore[1]);

        Map<String, LatencyRecorder> latencies = Map.of("rpc", rpcLatency, "stream_open", streamLatency,
                "push", pushAccept);
        for (Map.Entry<String, AtomicReference<PacedCalls.Outcome>> e : outcomes.entrySet()) {
            PacedCalls.Outcome o = e.getValue().get();
            if (o == null) {
                report.error(e.getKey() + "_run_interrupted", 1);
                continue;
            }
            o.addTo(report, e.getKey());
            String name = e.getKey().equals("push") ? "push_accept" : e.getKey();
            LatencyRecorder rec = latencies.get(e.getKey());
            Latencies.add(report, name, rec.all());
            System.err.println(Latencies.line(name, rec.all()) + "  failed " + o.failed());
            windowed(report, name, rec);
        }
        if (push != null) {
            long delivered = deliveries.delivered();
            report.figure("push_delivered_count", delivered)
                    .figure("push_undelivered_count", Math.max(0, push.ok() - delivered))
                    .figure("push_duplicate_count", deliveries.duplicates());
            if (push.ok() > delivered) {
                report.error("undelivered_pushes", push.ok() - delivered);
            }
            Latencies.add(report, "push_end_to_end", pushEndToEnd.all());
            windowed(report, "push_end_to_end", pushEndToEnd);
        }
    }

    private void add(Map<String, PacedCalls> kinds, String name, double rate, Settings st,
                     LongFunction<CompletableFuture<?>> call, LatencyRecorder latency) {
        if (rate > 0) {
            kinds.put(name, new PacedCalls(name, Schedule.of(rate, 0, st.duration()), inFlight, call, latency, null));
        }
    }

    /**
     * Latency blocks {@code NAME_window_I} (1-based) for every window, and figures for the first and the last window
     * and the ratio of their p99s, which a stable appliance keeps near 1.
     */
    static void windowed(Report report, String name, LatencyRecorder rec) {
        Windows w = rec.windows();
        for (int i = 0; i < w.count(); i++) {
            report.latency("%s_window_%d".formatted(name, i + 1), rec.window(i));
        }
        Percentiles first = Percentiles.of(rec.window(0));
        Percentiles last = Percentiles.of(rec.window(w.count() - 1));
        report.figure(name + "_first_window_p50_ms", first.p50()).figure(name + "_first_window_p99_ms", first.p99())
                .figure(name + "_last_window_p50_ms", last.p50()).figure(name + "_last_window_p99_ms", last.p99());
        if (first.count() > 0 && last.count() > 0 && first.p99() > 0) {
            report.figure(name + "_last_to_first_window_p99_ratio", last.p99() / first.p99());
        }
    }

    private void progress(BackendSession s, Map<String, PacedCalls> kinds, Deliveries deliveries) {
        StringBuilder b = new StringBuilder("soak %4.0fs ".formatted((System.nanoTime() - mixStartNanos) / 1e9));
        kinds.forEach((name, c) -> b.append(" %s %,d ok/%,d failed".formatted(name, c.ok(), c.failed())));
        b.append("  delivered %,d".formatted(deliveries.delivered()));
        b.append("  rss %,d MB".formatted(s.sampler().peakRssBytes() >> 20));
        System.err.println(b);
    }

    /**
     * Figures of the appliance's trend after the warm-up: the RSS slope per hour (least squares over the samples),
     * the open-files slope, RSS right after the warm-up and at the end, and its mean CPU use.
     */
    private void trends(Report report, TimeSeries series, Settings st) {
        double from = (mixStartNanos - samplerStart) / 1e9 + st.warmup().toMillis() / 1000.0;
        Slope rss = Slope.of(series, "rss_bytes", from);
        if (rss != null) {
            report.figure("rss_slope_bytes_per_hour", rss.perHour()).figure("rss_slope_r2", rss.r2())
                    .figure("rss_slope_samples_count", rss.samples());
        } else {
            report.note("rss_slope", "fewer than two samples after the warm-up: lengthen --duration or shorten "
                    + "--sample-interval");
        }
        Slope files = Slope.of(series, "open_files", from);
        if (files != null) {
            report.figure("open_files_slope_per_hour", files.perHour());
        }
        SeriesPoint start = SeriesPoint.firstAtOrAfter(series, from);
        SeriesPoint end = SeriesPoint.last(series);
        if (start != null && end != null && end.t() > start.t()) {
            report.figure("rss_after_warmup_bytes", start.rss()).figure("rss_at_end_bytes", end.rss())
                    .figure("appliance_cpu_cores_mean_after_warmup", (end.cpu() - start.cpu()) / (end.t() - start.t()));
        }
    }
}
