package io.connmgr.loadtest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;

/**
 * The coordinator's side of a fleet of {@link LiveFleet live devices} spread over worker processes: starts the
 * workers, shares a device count out among them, and sums what they report. Not thread-safe: one thread talks to the
 * workers (a command and its reply must not interleave with another's); only {@link #progress()} may be called from
 * any thread.
 */
public final class LiveWorkers implements AutoCloseable {
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    /** What the devices speak. */
    public enum Protocol {
        /** The connection manager's device protocol, as the agent speaks it. */
        CONNMGR("connmgr"),
        /** MQTT 3.1.1: CONNECT, CONNACK, PINGREQ, PINGRESP. */
        MQTT("mqtt");

        final String option;

        Protocol(String option) {
            this.option = option;
        }
    }

    /**
     * @param keepAliveSeconds asked for by the devices; 0: the appliance's choice (connmgr), 60 s (mqtt)
     * @param backoffInitial   the agent's backoff-initial: ceiling of the first reconnect window
     * @param backoffCap       the agent's backoff-cap: largest reconnect window
     */
    public record Options(Protocol protocol, int keepAliveSeconds, Duration backoffInitial, Duration backoffCap,
                          Duration handshakeTimeout, int devicesPerWorker, long fileLimit, List<String> jvmOptions) {
        public Options {
            jvmOptions = List.copyOf(jvmOptions);
        }

        public static Options defaults(Protocol protocol) {
            return new Options(protocol, 0, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(10),
                    8000, 20_000, List.of("-Xmx1g", "-XX:+UseSerialGC"));
        }

        public Options withBackoff(Duration initial, Duration cap) {
            return new Options(protocol, keepAliveSeconds, initial, cap, handshakeTimeout, devicesPerWorker,
                    fileLimit, jvmOptions);
        }

        public Options withKeepAlive(int seconds) {
            return new Options(protocol, seconds, backoffInitial, backoffCap, handshakeTimeout, devicesPerWorker,
                    fileLimit, jvmOptions);
        }
    }

    /**
     * The sum over the workers. {@code allBack}: every worker has all its devices up and has had them all up again
     * since the last {@link #mark()}; {@code lastFullAtMillis} is the latest of those moments (wall clock).
     */
    public record Totals(int devices, long connected, long attempts, long failed, long handshakeTimeouts, long lost,
                         long rejects, long goaways, long deferrals, long resumed, long pings, long pongs,
                         long reconnected,
                         boolean allBack, long lastFullAtMillis, String lastProblem) {

        /** The columns a time series records. */
        public Map<String, Number> columns() {
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("connected", connected);
            m.put("attempts", attempts);
            m.put("failed", failed);
            m.put("lost", lost);
            m.put("pongs", pongs);
            return m;
        }
    }

    private final WorkerPlan plan;
    private final List<WorkerHandle> workers;
    private int devices;

    private LiveWorkers(WorkerPlan plan, List<WorkerHandle> workers) {
        this.plan = plan;
        this.workers = workers;
    }

    /**
     * Starts enough workers for {@code maxDevices}, each connecting to {@code port} on loopback; worker logs go to
     * {@code logDir}. {@code fleetKeyFile} may be null for MQTT devices.
     */
    public static LiveWorkers start(int maxDevices, int port, Path fleetKeyFile, String idPrefix, Options o,
                                    Path logDir, Duration readyTimeout) throws IOException {
        WorkerPlan plan = WorkerPlan.forFleet(maxDevices, o.devicesPerWorker(), o.fileLimit());
        List<String> options = List.of("--live", o.protocol().option, "--keep-alive",
                Integer.toString(o.keepAliveSeconds()), "--backoff-initial-ms",
                Long.toString(o.backoffInitial().toMillis()), "--backoff-cap-ms",
                Long.toString(o.backoffCap().toMillis()), "--handshake-timeout-ms",
                Long.toString(o.handshakeTimeout().toMillis()));
        List<WorkerHandle> started = new ArrayList<>();
        try {
            for (int w = 0; w < plan.workers(); w++) {
                started.add(WorkerHandle.start(w, port, fleetKeyFile, idPrefix, logDir.resolve("worker-" + w + ".log"),
                        o.jvmOptions(), readyTimeout, options));
            }
        } catch (IOException | RuntimeException e) {
            started.forEach(WorkerHandle::close);
            throw e;
        }
        return new LiveWorkers(plan, started);
    }

    public int workers() {
        return workers.size();
    }

    public List<Long> pids() {
        return workers.stream().map(WorkerHandle::pid).toList();
    }

    /** Devices asked for so far. */
    public int devices() {
        return devices;
    }

    /**
     * Starts devices up to {@code total} over the workers, at {@code ratePerSecond} in all (0: as fast as each
     * worker's handshake window allows), and returns at once; the devices connect in the background.
     */
    public void startConnecting(int total, double ratePerSecond, Duration deadline) throws IOException {
        List<Integer> shares = plan.split(total);
        double perWorker = ratePerSecond / workers.size();
        all(w -> "connect " + shares.get(w) + " " + perWorker + " " + Math.max(1, deadline.toSeconds()));
        devices = total;
    }

    /**
     * Waits until {@code total} devices are connected, polling every {@code poll} and handing each poll's totals to
     * {@code onPoll} (for a time series or a progress line). Returns the last totals, whether or not all came.
     */
    public Totals awaitConnected(long total, Duration deadline, Duration poll, Consumer<Totals> onPoll)
            throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        Totals t = counters();
        onPoll.accept(t);
        while (t.connected() < total && System.nanoTime() < end) {
            pause(poll);
            t = counters();
            onPoll.accept(t);
        }
        return t;
    }

    public Totals counters() throws IOException {
        return sum(all(w -> "counters"));
    }

    /**
     * The counters from the workers' latest progress lines (each at most half a second old while they change): cheap,
     * no command sent, so safe to call from any thread, even while another command runs.
     */
    public Totals progress() {
        List<JsonNode> latest = new ArrayList<>(workers.size());
        for (WorkerHandle w : workers) {
            latest.add(w.progress());
        }
        return sum(latest);
    }

    /**
     * Gives every device a keep-alive schedule of the coordinator's instead of its session's keep-alive: a probe every
     * {@code interval} ± {@code jitter} (a fraction), at random phases; {@link Duration#ZERO} stops the probes. Devices
     * connecting later follow it too. See {@link LiveFleet#keepAlive}.
     */
    public void keepAlive(Duration interval, double jitter) throws IOException {
        if (interval.isNegative() || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("keep-alive needs an interval >= 0 and a jitter in [0, 1), got "
                    + interval + " and " + jitter);
        }
        String command = String.format(Locale.ROOT, "keepalive %d %.4f", interval.toMillis(), jitter);
        all(w -> command);
    }

    /** Adds up the workers' {@code counters} replies. */
    static Totals sum(List<JsonNode> replies) {
        int devs = 0;
        long connected = 0, attempts = 0, failed = 0, timeouts = 0, lost = 0, rejects = 0, goaways = 0, deferrals = 0,
                resumed = 0;
        long pings = 0, pongs = 0, reconnected = 0, lastFull = 0;
        boolean allBack = !replies.isEmpty();
        String problem = "";
        for (JsonNode r : replies) {
            int d = r.path("devices").asInt();
            long c = r.path("connected").asLong();
            long full = r.path("full_at_ms").asLong();
            devs += d;
            connected += c;
            attempts += r.path("attempts").asLong();
            failed += r.path("failed").asLong();
            timeouts += r.path("handshake_timeouts").asLong();
            lost += r.path("lost").asLong();
            rejects += r.path("rejects").asLong();
            goaways += r.path("goaways").asLong();
            deferrals += r.path("deferrals").asLong();
            resumed += r.path("resumed").asLong();
            pings += r.path("pings").asLong();
            pongs += r.path("pongs").asLong();
            reconnected += r.path("reconnected").asLong();
            allBack &= c == d && full > 0;
            lastFull = Math.max(lastFull, full);
            if (!r.path("last_problem").asText().isEmpty()) {
                problem = r.path("last_problem").asText();
            }
        }
        return new Totals(devs, connected, attempts, failed, timeouts, lost, rejects, goaways, deferrals, resumed, pings, pongs,
                reconnected, allBack, lastFull, problem);
    }

    /** Starts a new observation in every worker (see {@link LiveFleet#mark()}). */
    public void mark() throws IOException {
        all(w -> "mark");
    }

    /** Every worker closes all its established connections; the devices reconnect at once. Returns how many. */
    public long dropAll() throws IOException {
        return all(w -> "drop").stream().mapToLong(r -> r.path("dropped").asLong()).sum();
    }

    /** Reconnect times (nanoseconds) since the last mark, merged over the workers. */
    public Histogram reconnectNanos() throws IOException {
        Histogram all = new Histogram(LiveFleet.MAX_RECONNECT_NANOS, 3);
        for (JsonNode r : all(w -> "reconnects")) {
            try {
                all.add(Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(r.path("histogram").asText())), 0));
            } catch (DataFormatException e) {
                throw new IOException("a worker sent a corrupt histogram", e);
            }
        }
        return all;
    }

    public record PingTotals(long sent, long pongs) {
    }

    /** {@code count} extra keep-alive probes over {@code window}, shared out like the devices. */
    public PingTotals ping(long count, Duration window, Duration grace) throws IOException {
        List<Integer> shares = plan.spread((int) Math.min(Integer.MAX_VALUE, count));
        List<JsonNode> replies = all(w -> "ping " + shares.get(w) + " " + window.toMillis() + " " + grace.toMillis(),
                window.plus(grace).plus(REPLY_TIMEOUT));
        return new PingTotals(replies.stream().mapToLong(r -> r.path("sent").asLong()).sum(),
                replies.stream().mapToLong(r -> r.path("pongs").asLong()).sum());
    }

    private List<JsonNode> all(java.util.function.IntFunction<String> command) throws IOException {
        return all(command, REPLY_TIMEOUT);
    }

    /** Sends each worker its command, then collects the replies: the workers work at the same time. */
    private List<JsonNode> all(java.util.function.IntFunction<String> command, Duration timeout) throws IOException {
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).send(command.apply(w));
        }
        List<JsonNode> replies = new ArrayList<>(workers.size());
        IOException first = null;
        // Every worker's reply is read, even after one failed, so the next command is not answered by this one's.
        for (WorkerHandle w : workers) {
            try {
                replies.add(w.awaitReply(timeout));
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        return replies;
    }

    private static void pause(Duration d) throws IOException {
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        workers.forEach(WorkerHandle::close);
    }
}
