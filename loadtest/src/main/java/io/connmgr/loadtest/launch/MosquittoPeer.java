package io.connmgr.loadtest.launch;

import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.report.ProcessSampler;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.report.TimeSeries;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * mosquitto as the peer of a run: the same number of devices, connected through the same fleet workers (speaking
 * MQTT 3.1.1: CONNECT with keep-alive, then PINGREQ), held the same way, with the broker's process sampled from
 * /proc as the appliance's is. Used by {@code storm}, whose figures share these names; {@code hold} measures the
 * broker through {@link MosquittoPeerTarget} with its own maths and names instead.
 *
 * <p>Use: {@link #start}, {@link #connect}, then {@link #hold} and/or {@link #keepAlives}, then {@link #addTo} (or
 * {@link #figures} and {@link #series}), then {@link #close}. {@link #sample} takes one sample at any time. A caller
 * that grows the fleet itself ({@link MosquittoPeerTarget}, for {@code hold}) calls {@link #startDevices} instead of
 * {@link #connect} and drives {@link #workers()}. Not thread-safe: call it from one thread.
 */
public final class MosquittoPeer implements AutoCloseable {
    public static final String NAME = "mosquitto";

    /** Figure names, shared with {@code storm}'s figures for the appliance. */
    public static final String RSS_BYTES_PER_CONNECTION = "rss_bytes_per_connection";
    public static final String CPU_SECONDS_PER_KEEPALIVE = "cpu_seconds_per_keepalive";
    public static final String CONNECT_RATE_PER_S = "connect_rate_per_s";
    public static final String CONNECT_SECONDS = "connect_seconds";
    public static final String CONNECTED = "connected";
    public static final String FAILURES = "failures";

    /**
     * @param workDir         mosquitto's config and log, and the workers' logs
     * @param workers         the MQTT device fleet: keep-alive, backoff, devices per worker, worker JVM options
     * @param connectRate     devices per second during {@link #connect}; 0 = as fast as the workers' windows allow
     * @param connectTimeout  longest wait for all devices to connect
     * @param sampleInterval  time between two samples while holding
     * @param settle          pause after connecting, before the memory reading
     */
    public record Settings(Path workDir, LiveWorkers.Options workers, double connectRate, Duration connectTimeout,
                           Duration sampleInterval, Duration settle) {
        public static Settings defaults(Path workDir) {
            return new Settings(workDir, LiveWorkers.Options.defaults(LiveWorkers.Protocol.MQTT).withKeepAlive(60),
                    0, Duration.ofSeconds(120), Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
    }

    private final Settings settings;
    private final Mosquitto broker;
    private final ProcessSampler sampler;
    private final Map<String, Number> figures = new LinkedHashMap<>();
    private LiveWorkers workers;
    private volatile Map<String, Number> lastCounters = Map.of();
    private Map<String, Number> lastRow = Map.of();
    private long rssIdle;

    private MosquittoPeer(Settings settings, Mosquitto broker) {
        this.settings = settings;
        this.broker = broker;
        this.sampler = new ProcessSampler(broker.pid(), null, () -> lastCounters);
    }

    /**
     * Starts a private mosquitto (see {@link Mosquitto}) and reads its idle RSS.
     *
     * @throws Mosquitto.NotInstalledException when mosquitto is not installed: the message says how to install it
     */
    public static MosquittoPeer start(Settings settings) throws IOException, InterruptedException {
        Mosquitto m = Mosquitto.start(settings.workDir(), Duration.ofSeconds(30));
        MosquittoPeer p = new MosquittoPeer(settings, m);
        p.rssIdle = ProcFiles.rssBytes(m.pid());
        p.sampler.sample();
        return p;
    }

    /**
     * Connects {@code devices} MQTT devices through fleet workers and waits until all are connected (or the
     * connect timeout passes). Figures: connect_seconds, connect_rate_per_s, connected, failures,
     * rss_bytes_per_connection (RSS with the devices connected minus idle RSS, over the device count).
     */
    public MosquittoPeer connect(int devices) throws IOException, InterruptedException {
        startDevices(devices, Duration.ofSeconds(60));
        long t0 = System.nanoTime();
        workers.startConnecting(devices, settings.connectRate(), settings.connectTimeout());
        LiveWorkers.Totals t = workers.awaitConnected(devices, settings.connectTimeout(),
                Duration.ofMillis(Math.min(250, settings.sampleInterval().toMillis())), this::record);
        double seconds = (System.nanoTime() - t0) / 1e9;
        figures.put(CONNECTED, t.connected());
        figures.put(CONNECT_SECONDS, seconds);
        figures.put(CONNECT_RATE_PER_S, t.connected() / seconds);
        figures.put(FAILURES, t.failed() + (devices - t.connected()));
        TimeUnit.MILLISECONDS.sleep(settings.settle().toMillis());
        long rss = ProcFiles.rssBytes(broker.pid());
        figures.put("rss_bytes_idle", rssIdle);
        figures.put("rss_bytes", rss);
        if (t.connected() > 0) {
            figures.put(RSS_BYTES_PER_CONNECTION, (double) (rss - rssIdle) / t.connected());
        }
        sample();
        return this;
    }

    /**
     * Starts the fleet workers that can hold up to {@code maxDevices} MQTT devices of {@link Settings#workers()},
     * without connecting any: a caller that grows the fleet step by step drives them through {@link #workers()}.
     * {@link #connect} starts them itself. Once only.
     */
    public LiveWorkers startDevices(int maxDevices, Duration readyTimeout) throws IOException {
        if (workers != null) {
            throw new IllegalStateException("devices already started");
        }
        workers = LiveWorkers.start(maxDevices, broker.port(), null, "mqtt", settings.workers(), settings.workDir(),
                readyTimeout);
        return workers;
    }

    /**
     * Holds the devices for {@code duration}, each sending PINGREQ at its keep-alive interval, sampling the broker.
     * Figures: hold_seconds, cpu_seconds_per_keepalive (broker CPU over PINGRESPs in the hold; replaced by
     * {@link #keepAlives}' more precise figure if that runs), connected_after_hold, lost_during_hold.
     */
    public MosquittoPeer hold(Duration duration) throws IOException, InterruptedException {
        requireConnected();
        long end = System.nanoTime() + duration.toNanos();
        double cpu0 = cpuSeconds();
        LiveWorkers.Totals before = workers.counters();
        while (System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(Math.min(settings.sampleInterval().toNanos(),
                    Math.max(0, end - System.nanoTime())));
            takeSample();
        }
        LiveWorkers.Totals t = workers.counters();
        double cpu = cpuSeconds() - cpu0;
        long pongs = t.pongs() - before.pongs();
        figures.put("hold_seconds", duration.toMillis() / 1000.0);
        figures.put("cpu_seconds_hold", cpu);
        figures.put("keepalives_hold", pongs);
        if (pongs > 0 && !figures.containsKey("keepalives_answered")) {
            figures.put(CPU_SECONDS_PER_KEEPALIVE, cpu / pongs);
        }
        figures.put("connected_after_hold", t.connected());
        figures.put("lost_during_hold", t.lost() - before.lost());
        return this;
    }

    /**
     * Sends {@code count} extra PINGREQs spread over {@code window} (besides the devices' own) and divides the
     * broker's CPU time in that window by the PINGRESPs received: cpu_seconds_per_keepalive, keepalives_answered.
     */
    public MosquittoPeer keepAlives(long count, Duration window) throws IOException, InterruptedException {
        requireConnected();
        double cpu0 = cpuSeconds();
        LiveWorkers.PingTotals p = workers.ping(count, window, Duration.ofSeconds(5));
        double cpu = cpuSeconds() - cpu0;
        figures.put("keepalives_sent", p.sent());
        figures.put("keepalives_answered", p.pongs());
        if (p.pongs() > 0) {
            figures.put(CPU_SECONDS_PER_KEEPALIVE, cpu / p.pongs());
        }
        sample();
        return this;
    }

    /** One sample of the broker (rss_bytes, cpu_seconds, open_files) and the devices (connected, ...) now. */
    public Map<String, Number> sample() throws IOException, InterruptedException {
        takeSample();
        return lastRow;
    }

    private LiveWorkers.Totals takeSample() throws IOException, InterruptedException {
        LiveWorkers.Totals t = workers == null ? null : workers.counters();
        if (t != null) {
            lastCounters = t.columns();
        }
        lastRow = sampler.sample();
        return t;
    }

    private void record(LiveWorkers.Totals t) {
        lastCounters = t.columns();
        try {
            lastRow = sampler.sample();
        } catch (IOException e) {
            // the broker is gone; the caller finds out on its next call
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private double cpuSeconds() throws IOException {
        return ProcFiles.cpuTicks(broker.pid()) / 100.0;
    }

    private void requireConnected() {
        if (workers == null) {
            throw new IllegalStateException("connect() first");
        }
    }

    /** Figures so far, with peak RSS and CPU of the broker over every sample. */
    public Map<String, Number> figures() {
        Map<String, Number> f = new LinkedHashMap<>(figures);
        f.put("peak_rss_bytes", sampler.peakRssBytes());
        f.put("peak_cpu_cores", sampler.peakCpuCores());
        return f;
    }

    public TimeSeries series() {
        return sampler.series();
    }

    /** Adds this peer to {@code report}: its figures, its series, and the ratios to the report's own figures. */
    public Report addTo(Report report) {
        return report.peer(NAME, broker.version(), figures(), series());
    }

    public String version() {
        return broker.version();
    }

    public long pid() {
        return broker.pid();
    }

    public int port() {
        return broker.port();
    }

    /** The broker process, for a scenario that restarts it. */
    public Mosquitto broker() {
        return broker;
    }

    /** The MQTT devices, once {@link #connect} ran (a scenario may drop them or read their counters). */
    public LiveWorkers workers() {
        return workers;
    }

    /** Process ids of the fleet workers (to leave them out of any machine-wide measurement). */
    public List<Long> workerPids() {
        return workers == null ? List.of() : workers.pids();
    }

    /** Stops the devices, then the broker. */
    @Override
    public void close() {
        sampler.close();
        if (workers != null) {
            workers.close();
        }
        broker.close();
    }
}
