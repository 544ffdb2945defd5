package io.connmgr.loadtest.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A server holding a simulated fleet, driven by a scenario and measured from outside: the appliance itself, or a peer
 * run side by side in the same run (mosquitto with MQTT devices). The scenario does all the measuring: it samples
 * {@link #pid()} with a {@link ProcessSampler} (RSS, CPU, open files from /proc), computes the figures with the same
 * maths for every target and names them alike, so {@link Report#peer} can put ours and theirs next to each other with
 * their ratio. An implementation only starts the server and its devices and reports the devices' counts.
 *
 * <p>How {@code hold} uses a peer (given with {@code --peer NAME}), after the appliance's own phases:
 * <pre>{@code
 * try (PeerTarget peer = PeerTargets.create("mosquitto")) {
 *     peer.start(new PeerTarget.Setup(scratch, devices, fileLimit, perWorker, workerJvmOptions,
 *             Duration.ofSeconds(60)));
 *     sampler = new ProcessSampler(peer.pid(), null, () -> peer.counts().toMap(), origin).start(interval);
 *     for (int n : steps) {                       // cumulative device counts, ascending
 *         PeerTarget.Counts c = peer.connect(n, connectRate, settleTimeout);
 *         ... RSS of peer.pid() at n, once c.connected() == n
 *     }
 *     peer.keepAlive(Duration.ZERO, 0);          // quiet window: CPU with nothing sent
 *     peer.keepAlive(keepAliveInterval, jitter);  // hold window: CPU per keep-alive answered
 *     ... report.peer(peer.name(), peer.version(), figures, sampler.series())
 * }
 * }</pre>
 *
 * <p>Implementations register a {@link Factory} with {@link java.util.ServiceLoader}: a line naming the factory class
 * in {@code META-INF/services/io.connmgr.loadtest.report.PeerTarget$Factory} of the loadtest module's resources.
 * {@link PeerTargets} finds them by name. Every call must be bounded in time; traffic stays on loopback.
 */
public interface PeerTarget extends AutoCloseable {

    /** Makes targets of one kind; found through {@link java.util.ServiceLoader}. */
    interface Factory {
        /** The name given to {@code --peer}: {@code mosquitto}. */
        String name();

        /** Null when this peer can run on this machine, otherwise why not, with how to fix it. */
        String unavailableReason();

        PeerTarget create();
    }

    /**
     * Where and how to run.
     *
     * @param scratchDir       a directory of the target's own (configuration, logs), kept with {@code --keep-logs}
     * @param maxDevices       the most devices {@link #connect} will ask for (its last step), so that whatever holds
     *                         them can be started up front
     * @param fileLimit        the open-file limit each process of the target must stay under (the server, and each
     *                         process holding devices)
     * @param devicesPerWorker at most this many devices in one device-holding process (0: as the file limit allows)
     * @param workerJvmOptions JVM options for device-holding processes, if the implementation uses JVMs
     * @param startTimeout     the longest {@link #start} may take
     */
    record Setup(Path scratchDir, int maxDevices, long fileLimit, int devicesPerWorker,
                 List<String> workerJvmOptions, Duration startTimeout) {
    }

    /**
     * Counts of the target's simulated devices since start, summed over all processes holding them.
     *
     * @param connected          devices holding an accepted connection now (WELCOME, CONNACK)
     * @param connectFailed      connects that did not end in an accepted connection
     * @param dropped            accepted connections that closed since
     * @param keepAlivesSent     keep-alives the devices sent (PING, PINGREQ)
     * @param keepAlivesAnswered answers they got (PONG, PINGRESP)
     */
    record Counts(long connected, long connectFailed, long dropped, long keepAlivesSent, long keepAlivesAnswered) {
        public static final Counts NONE = new Counts(0, 0, 0, 0, 0);

        /** As time-series columns: connected, connect_failed, dropped, keepalives_sent, keepalives_answered. */
        public Map<String, Number> toMap() {
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("connected", connected);
            m.put("connect_failed", connectFailed);
            m.put("dropped", dropped);
            m.put("keepalives_sent", keepAlivesSent);
            m.put("keepalives_answered", keepAlivesAnswered);
            return m;
        }

        /** Element-wise sum, for a coordinator adding up its workers. */
        public Counts plus(Counts o) {
            return new Counts(connected + o.connected, connectFailed + o.connectFailed, dropped + o.dropped,
                    keepAlivesSent + o.keepAlivesSent, keepAlivesAnswered + o.keepAlivesAnswered);
        }
    }

    /** Short name, as in reports: {@code mosquitto}. */
    String name();

    /** The server's version as it reports it ({@code mosquitto -h}), or {@code unknown}. */
    String version();

    /** Starts the server (its own process, on loopback) and whatever holds its devices. */
    void start(Setup setup) throws IOException, InterruptedException;

    /** The server's process, measured by the scenario from /proc. Valid after {@link #start}. */
    long pid();

    /**
     * Grows the fleet to {@code devices} connected in total (it never shrinks), starting at most
     * {@code ratePerSecond} connects a second, and returns when they are connected or {@code timeout} has passed.
     * Devices that fail are counted, not retried.
     */
    Counts connect(int devices, double ratePerSecond, Duration timeout) throws IOException, InterruptedException;

    /**
     * From now on every device sends a keep-alive every {@code interval} ± {@code jitter} (a fraction of the
     * interval), at random phases; {@link Duration#ZERO} stops them. Devices connected later follow the same
     * schedule.
     */
    void keepAlive(Duration interval, double jitter) throws IOException, InterruptedException;

    /** The devices' counts now; cheap and thread-safe (the sampler and the progress line call it). */
    Counts counts();

    /** Figures only this target knows, in the schema's naming (unit in the name); none by default. */
    default Map<String, Number> figures() {
        return Map.of();
    }

    /** Stops the devices, then the server (only if it started it); bounded in time, safe to call twice. */
    @Override
    void close();
}
