package io.connmgr.loadtest.launch;

import io.connmgr.loadtest.density.Children;
import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.fleet.WorkerPlan;
import io.connmgr.loadtest.report.PeerTarget;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * mosquitto as the peer of {@code hold --peer mosquitto}: a private broker started by {@link MosquittoPeer} (see
 * {@link Mosquitto}), and fleet workers holding MQTT 3.1.1 devices ({@link LiveWorkers}, {@code --live mqtt}: CONNECT,
 * CONNACK, then PINGREQ and PINGRESP), grown step by step and kept alive on the schedule {@code hold} sets. {@code hold}
 * measures the broker's pid and computes the figures exactly as for the appliance.
 *
 * <p><b>MQTT keep-alive.</b> A broker drops a client it has heard nothing from for 1.5 times the keep-alive the client
 * gave in CONNECT. The devices give the longest MQTT allows, {@value #DECLARED_KEEP_ALIVE_SECONDS} s (about 18 h): the
 * broker keeps a keep-alive deadline for each of them as for any client, but drops none when they go quiet in the
 * quiet window. The PINGREQs themselves follow {@link #keepAlive}: every interval ± jitter in the hold window, none in
 * the quiet window. (A CONNECT keep-alive of 0, "none", would spare the broker the deadline a real device costs it.)
 *
 * <p>The devices keep themselves connected as real ones do: a connect that fails, or a connection that drops, is
 * counted ({@link Counts#connectFailed}, {@link Counts#dropped}) and retried after the agent's backoff.
 */
public final class MosquittoPeerTarget implements PeerTarget {
    /** The CONNECT keep-alive of the devices: MQTT's largest, so a quiet window never gets a device dropped. */
    public static final int DECLARED_KEEP_ALIVE_SECONDS = 65_535;
    /** How often connect asks the workers whether all are connected: a small part of a step's time. */
    private static final Duration POLL = Duration.ofMillis(20);

    /** The factory {@code --peer mosquitto} finds (registered in META-INF/services). */
    public static final class Factory implements PeerTarget.Factory {
        @Override
        public String name() {
            return MosquittoPeer.NAME;
        }

        @Override
        public String unavailableReason() {
            return Mosquitto.find().isPresent() ? null : Mosquitto.notInstalledMessage();
        }

        @Override
        public PeerTarget create() {
            return new MosquittoPeerTarget();
        }
    }

    private MosquittoPeer peer;
    private LiveWorkers workers;
    private boolean closed;

    @Override
    public String name() {
        return MosquittoPeer.NAME;
    }

    @Override
    public String version() {
        return peer == null ? "unknown" : peer.version();
    }

    /**
     * Starts the broker, then as many worker processes as {@code maxDevices} needs under the file limit (each at most
     * {@code devicesPerWorker}), connecting nothing yet.
     */
    @Override
    public void start(Setup setup) throws IOException, InterruptedException {
        if (peer != null) {
            throw new IllegalStateException("already started");
        }
        int perWorker = WorkerPlan.forLimit(setup.maxDevices(), setup.fileLimit(), setup.devicesPerWorker())
                .perWorker();
        LiveWorkers.Options defaults = LiveWorkers.Options.defaults(LiveWorkers.Protocol.MQTT);
        LiveWorkers.Options options = new LiveWorkers.Options(LiveWorkers.Protocol.MQTT, DECLARED_KEEP_ALIVE_SECONDS,
                defaults.backoffInitial(), defaults.backoffCap(), defaults.handshakeTimeout(), perWorker,
                setup.fileLimit(), setup.workerJvmOptions());
        MosquittoPeer.Settings settings = MosquittoPeer.Settings.defaults(setup.scratchDir());
        peer = MosquittoPeer.start(new MosquittoPeer.Settings(settings.workDir(), options, settings.connectRate(),
                settings.connectTimeout(), settings.sampleInterval(), settings.settle()));
        Children.track(this); // the broker must not outlive an interrupted run
        workers = peer.startDevices(setup.maxDevices(), setup.startTimeout());
    }

    @Override
    public long pid() {
        return peer.pid();
    }

    @Override
    public Counts connect(int devices, double ratePerSecond, Duration timeout) throws IOException {
        if (devices < workers.devices()) {
            throw new IllegalArgumentException("the fleet only grows: " + workers.devices() + " devices already, "
                    + devices + " asked for");
        }
        workers.startConnecting(devices, ratePerSecond, timeout);
        LiveWorkers.Totals t = workers.awaitConnected(devices, timeout, POLL, x -> { });
        return counts(t);
    }

    @Override
    public void keepAlive(Duration interval, double jitter) throws IOException {
        workers.keepAlive(interval, jitter);
    }

    /** From the workers' latest progress lines: sends no command, so any thread may call it at any time. */
    @Override
    public Counts counts() {
        return workers == null ? Counts.NONE : counts(workers.progress());
    }

    private static Counts counts(LiveWorkers.Totals t) {
        return new Counts(t.connected(), t.failed(), t.lost(), t.pings(), t.pongs());
    }

    /** The MQTT keep-alive the devices declared, and the worker processes that held them. */
    @Override
    public Map<String, Number> figures() {
        Map<String, Number> f = new LinkedHashMap<>();
        f.put("mqtt_connect_keepalive_seconds", DECLARED_KEEP_ALIVE_SECONDS);
        if (workers != null) {
            f.put("device_workers", workers.workers());
        }
        return f;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (peer != null) {
            peer.close(); // the devices, then the broker
        }
    }
}
