package io.connmgr.loadtest.backend;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.control.DisconnectCause;
import io.connmgr.agent.control.StateChange;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.loadtest.report.Machine;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.wire.CmdOpcode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Devices held in this process with the {@link DeviceClient} library, as a real device's software would hold them:
 * an RPC handler that echoes the request body, an optional exposed port for streams, keep-alives at the interval
 * asked for, and every downlink message handed to {@code onMessage}. All devices share a small epoll group.
 *
 * <p>One device costs one open file here, so the count is bounded by this process's open-files limit (less a margin
 * for the scenario's own sockets); {@link #maxDevices()} says how many fit.
 */
public final class DeviceFleet implements AutoCloseable {
    /** Open files kept back for the JVM, the control channel, stream sockets and the sampler. */
    static final int FILE_MARGIN = 1_500;
    /** Handshakes started before the next batch waits for them: the appliance sees a ramp, not a wall. */
    private static final int CONNECT_BATCH = 500;
    /** Commands sent before the next batch waits for their answers. */
    private static final int COMMAND_BATCH = 100;

    private final String idPrefix;
    private final EventLoopGroup group;
    private final List<DeviceClient> clients = new ArrayList<>();
    private final Map<String, LongAdder> disconnects = new ConcurrentHashMap<>();
    private final List<String> disconnectDetails = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final int MAX_DETAILS = 5;

    /**
     * What every device of the fleet does.
     *
     * @param keepAliveSeconds keep-alive interval to ask for; 0 lets the appliance choose
     * @param exposure         the port back-ends may open streams to; null for none
     * @param streamMode       how streams travel (null: multiplexed)
     * @param onMessage        gets every downlink message (device id, payload) on the devices' event loop; may be null
     */
    public record Spec(int devices, String idPrefix, int keepAliveSeconds, Exposure exposure, StreamMode streamMode,
                       int threads, BiConsumer<String, byte[]> onMessage) {

        /** Devices that only answer RPCs and take messages. */
        public static Spec plain(int devices, String idPrefix, int threads, BiConsumer<String, byte[]> onMessage) {
            return new Spec(devices, idPrefix, 0, null, null, threads, onMessage);
        }
    }

    private DeviceFleet(String idPrefix, EventLoopGroup group) {
        this.idPrefix = idPrefix;
        this.group = group;
    }

    /** The most devices this process can hold, from its open-files limit. */
    public static int maxDevices() {
        long limit = Machine.readOpenFilesLimit();
        return limit <= 0 || limit > Integer.MAX_VALUE ? 1_000_000 : (int) Math.max(0, limit - FILE_MARGIN);
    }

    /**
     * Starts every device and waits (at most {@code timeout}) until all are connected.
     *
     * @throws IOException when not all connected in time; the fleet is closed then
     */
    public static DeviceFleet connect(ApplianceUnderTest appliance, Spec spec, Duration timeout)
            throws IOException, InterruptedException {
        if (spec.devices() < 1) {
            throw new IllegalArgumentException("at least one device is needed");
        }
        if (spec.devices() > maxDevices()) {
            throw new IllegalArgumentException(spec.devices() + " devices do not fit in this process: its open-files "
                    + "limit leaves room for " + maxDevices() + " (one file per device)");
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, spec.threads()),
                new DefaultThreadFactory("devices", true), EpollIoHandler.newFactory());
        DeviceFleet fleet = new DeviceFleet(spec.idPrefix(), group);
        try {
            FleetToken tokens = new FleetToken(appliance.fleetKey());
            long end = System.nanoTime() + timeout.toNanos();
            for (int i = 0; i < spec.devices(); i++) {
                String id = spec.idPrefix() + "-" + i;
                DeviceClient.Builder b = DeviceClient.builder().appliance("127.0.0.1", appliance.devicePort())
                        .deviceId(id).token(new String(tokens.credential(id), StandardCharsets.US_ASCII))
                        .eventLoopGroup(group).keepAliveSeconds(spec.keepAliveSeconds())
                        .rpcHandler((method, body) -> CompletableFuture.completedFuture(body));
                if (spec.exposure() != null) {
                    b.expose(spec.exposure());
                }
                if (spec.streamMode() != null) {
                    b.streamMode(spec.streamMode());
                }
                BiConsumer<String, byte[]> sink = spec.onMessage();
                b.listener(new DeviceClientListener() {
                    @Override
                    public void onMessage(long seq, byte[] payload) {
                        if (sink != null) {
                            sink.accept(id, payload);
                        }
                    }

                    @Override
                    public void onStateChange(StateChange change) {
                        DisconnectCause cause = change.cause();
                        if (cause != null && change.state() == ConnectionState.BACKING_OFF) {
                            String kind = cause.kind().name() + (cause.reason() == null ? "" : "_" + cause.reason());
                            fleet.disconnects.computeIfAbsent(kind.toLowerCase(Locale.ROOT), k -> new LongAdder())
                                    .increment();
                            if (cause.detail() != null && fleet.disconnectDetails.size() < MAX_DETAILS) {
                                fleet.disconnectDetails.add(id + ": " + cause.kind() + " " + cause.detail());
                            }
                        }
                    }
                });
                fleet.clients.add(b.build().start());
                if ((i + 1) % CONNECT_BATCH == 0) {
                    fleet.awaitConnected(i + 1, end);
                }
            }
            fleet.awaitConnected(spec.devices(), end);
            return fleet;
        } catch (IOException | InterruptedException | RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    private void awaitConnected(int count, long deadlineNanos) throws IOException, InterruptedException {
        while (connected(count) < count) {
            if (System.nanoTime() > deadlineNanos) {
                throw new IOException("only " + connected(count) + " of " + count + " devices connected in time");
            }
            Thread.sleep(20);
        }
    }

    private int connected(int firstN) {
        int n = 0;
        for (int i = 0; i < firstN; i++) {
            if (clients.get(i).state() == ConnectionState.CONNECTED) {
                n++;
            }
        }
        return n;
    }

    /** Devices currently connected. */
    public int connected() {
        return connected(clients.size());
    }

    public int size() {
        return clients.size();
    }

    public String id(int index) {
        return idPrefix + "-" + index;
    }

    /** Sends an uplink MSG from the device at {@code index}; completes with its seq once the appliance ACKed it. */
    public CompletableFuture<Long> sendUplink(int index, byte[] payload) {
        return clients.get(index).send(payload);
    }

    public String randomId() {
        return id(ThreadLocalRandom.current().nextInt(clients.size()));
    }

    /**
     * Devices {@code [from, to)} ask to be kept ACTIVE (or let go again), a batch at a time so that the appliance
     * sees a ramp of wakes rather than all at once; waits for every answer, for at most {@code timeout} in all.
     */
    public void alwaysActive(int from, int to, boolean on, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        int answered = 0;
        for (int batch = from; batch < to; batch += COMMAND_BATCH) {
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (int i = batch; i < Math.min(to, batch + COMMAND_BATCH); i++) {
                answers.add(clients.get(i).command(CmdOpcode.SET_ALWAYS_ACTIVE, on ? 1 : 0));
            }
            for (CompletableFuture<?> a : answers) {
                try {
                    a.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IOException("SET_ALWAYS_ACTIVE: " + answered + " of " + (to - from)
                            + " devices had their answer within " + timeout);
                }
                answered++;
            }
        }
    }

    /** Keep-alive PINGs sent and PONGs received, summed over the fleet. */
    public long[] pingsAndPongs() {
        long pings = 0, pongs = 0;
        for (DeviceClient c : clients) {
            DeviceClient.Counters k = c.counters();
            pings += k.pingsSent();
            pongs += k.pongsReceived();
        }
        return new long[] {pings, pongs};
    }

    /** Connections the devices lost (then backed off to reconnect), by cause, since they were started. */
    public Map<String, Long> disconnects() {
        Map<String, Long> m = new TreeMap<>();
        disconnects.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The first few disconnects' details (device id, cause, the appliance's words). */
    public List<String> disconnectDetails() {
        return List.copyOf(disconnectDetails);
    }

    /** Reconnects, summed over the fleet: a stable fleet has none after it connected. */
    public long reconnects() {
        long n = 0;
        for (DeviceClient c : clients) {
            n += c.counters().reconnects();
        }
        return n;
    }

    @Override
    public void close() {
        CompletableFuture<?>[] closing = clients.stream().map(DeviceClient::closeAsync)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closing).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Shutting the group down below ends whatever did not close in time.
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
