package io.connmgr.loadtest.fleet;

import io.connmgr.agent.control.ReconnectPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@link LiveDevice live devices} of one worker process: devices that keep themselves connected, as a real fleet
 * does, so that a scenario can take the server away (restart it, or drop every connection) and watch them come back.
 * All device state lives on one epoll event loop; the command thread reads it through {@link #snapshot()} and the
 * other calls, each of which runs a task on that loop and waits for it (bounded).
 */
public final class LiveFleet implements AutoCloseable {
    /** Handshakes in flight at once during a ramp, as in {@link Fleet}. */
    static final int CONNECT_WINDOW = 256;
    /** Reconnect times above this are recorded as this (a storm that takes ten minutes has failed anyway). */
    static final long MAX_RECONNECT_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final Duration LOOP_CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RAMP_END_WAIT = Duration.ofSeconds(5);

    private final int workerIndex;
    private final String idPrefix;
    private final InetSocketAddress server;
    private final DeviceProtocol protocol;
    private final ReconnectPolicy policy;
    private final long handshakeTimeoutNanos;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Semaphore window = new Semaphore(CONNECT_WINDOW);
    private final AtomicInteger started = new AtomicInteger();
    private Thread ramp;

    // Event loop only.
    final Counters counters = new Counters();
    private final SplittableRandom random = new SplittableRandom();
    private final List<LiveDevice> devices = new ArrayList<>();
    private final Histogram reconnects = new Histogram(MAX_RECONNECT_NANOS, 3);
    private long fullAtMillis;
    private int pingCursor;
    private String lastProblem = "";
    /** The fleet's keep-alive schedule: -1 = each session's own keep-alive, 0 = no probes, else the interval. */
    private long keepAliveNanos = -1;
    private double keepAliveJitter;

    /** Events counted over the devices of this worker; touched on the event loop only. */
    static final class Counters {
        long connected;
        long attempts;
        long failed;
        long handshakeTimeouts;
        long lost;
        long rejects;
        long goaways;
        /** GOAWAYs in place of WELCOME: the server deferred the attempt (admission control). */
        long deferrals;
        long resumed;
        long pings;
        long pongs;
        long reconnected;
    }

    /** The counters at one moment, with the device count and when this worker last had all its devices up. */
    public record Snapshot(int devices, long connected, long attempts, long failed, long handshakeTimeouts, long lost,
                           long rejects, long goaways, long deferrals, long resumed, long pings, long pongs,
                           long reconnected, long fullAtMillis, String lastProblem) {
    }

    LiveFleet(int workerIndex, String idPrefix, InetSocketAddress server, DeviceProtocol protocol,
              ReconnectPolicy policy, Duration handshakeTimeout) {
        this.workerIndex = workerIndex;
        this.idPrefix = idPrefix;
        this.server = server;
        this.protocol = protocol;
        this.policy = policy;
        this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("live-fleet", true),
                EpollIoHandler.newFactory());
        this.loop = group.next();
        this.bootstrap = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, handshakeTimeout.toMillis()));
    }

    // ------------------------------------------------------------------ used by the devices, on the loop

    ChannelFuture open(LiveDevice device) {
        return bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                protocol.initChannel(ch, device);
            }
        }).connect(server, device.source());
    }

    EventLoop loop() {
        return loop;
    }

    DeviceProtocol protocol() {
        return protocol;
    }

    ReconnectPolicy policy() {
        return policy;
    }

    SplittableRandom random() {
        return random;
    }

    long handshakeTimeoutNanos() {
        return handshakeTimeoutNanos;
    }

    void reconnected(long downNanos) {
        counters.reconnected++;
        reconnects.recordValue(Math.min(MAX_RECONNECT_NANOS, Math.max(0, downNanos)));
    }

    void checkFull() {
        if (counters.connected == devices.size()) {
            fullAtMillis = System.currentTimeMillis();
        }
    }

    void noteProblem(String problem) {
        lastProblem = problem;
    }

    long keepAliveNanos() {
        return keepAliveNanos;
    }

    double keepAliveJitter() {
        return keepAliveJitter;
    }

    // ------------------------------------------------------------------ commands, from the worker's command thread

    /**
     * Starts devices, in the background, until {@code target} have been started: at most {@code ratePerSecond} a
     * second (0: as fast as the handshake window allows), giving up at {@code deadline}. Each device connects and
     * keeps itself connected from then on; progress shows in {@link #snapshot()}.
     */
    public synchronized void startRamp(int target, double ratePerSecond, Duration deadline) {
        if (ramp != null) {
            // A ramp that ran out of time ends within moments of its deadline; one that completed has ended already.
            try {
                ramp.join(RAMP_END_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ramp != null && ramp.isAlive()) {
            throw new IllegalStateException("the previous ramp is still starting devices");
        }
        if (target > 250 * 250) {
            throw new IllegalArgumentException("a worker holds at most 62500 devices, one source address each");
        }
        ramp = Thread.ofPlatform().daemon().name("ramp-" + workerIndex).start(() -> ramp(target, ratePerSecond,
                deadline));
    }

    private void ramp(int target, double ratePerSecond, Duration deadline) {
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        int from = started.get();
        try {
            for (int i = from; i < target; i++) {
                long left = end - System.nanoTime();
                if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    return;
                }
                if (ratePerSecond > 0) {
                    long due = t0 + (long) ((i - from) * 1e9 / ratePerSecond);
                    long wait = Math.min(due, end) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                String id = idPrefix + "-" + workerIndex + "-" + i;
                InetSocketAddress source = new InetSocketAddress(WorkerPlan.sourceAddress(workerIndex, i), 0);
                started.incrementAndGet();
                loop.execute(() -> {
                    LiveDevice d = new LiveDevice(this, id, source, protocol.newDevice(id), window::release);
                    devices.add(d);
                    d.connect();
                });
            }
        } catch (InterruptedException | java.util.concurrent.RejectedExecutionException e) {
            // closing: the devices started so far are stopped by close()
            Thread.currentThread().interrupt();
        }
    }

    /** Devices started so far (connected or not). */
    public int started() {
        return started.get();
    }

    public Snapshot snapshot() {
        return onLoop(() -> new Snapshot(devices.size(), counters.connected, counters.attempts, counters.failed,
                counters.handshakeTimeouts, counters.lost, counters.rejects, counters.goaways, counters.deferrals, counters.resumed,
                counters.pings, counters.pongs, counters.reconnected, fullAtMillis, lastProblem));
    }

    /**
     * Starts a new observation: forgets when the fleet was last all up and the reconnect times recorded so far, so
     * that what follows (a restart, a drop) is measured on its own.
     */
    public void mark() {
        onLoop(() -> {
            fullAtMillis = 0;
            reconnects.reset();
            counters.reconnected = 0;
            return null;
        });
    }

    /**
     * Gives the fleet a keep-alive schedule of its own, instead of each session's keep-alive: every connected device
     * (and every device that connects from now on) sends a probe every {@code interval} ± {@code jitter} (a fraction:
     * 0.1 is ±10 %) at random, the first at a random point of the first interval so the fleet does not probe in step.
     * A zero interval stops the probes. A session whose server expects probes at its own keep-alive (MQTT: 1.5 times
     * the CONNECT keep-alive) is dropped by that server if the schedule is slower than that.
     */
    public void keepAlive(Duration interval, double jitter) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("keep-alive interval must not be negative, got " + interval);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        onLoop(() -> {
            keepAliveNanos = interval.toNanos();
            keepAliveJitter = jitter;
            devices.forEach(LiveDevice::keepAliveChanged);
            return null;
        });
    }

    /** Closes every established connection at once; each device reconnects immediately. Returns how many. */
    public int dropAll() {
        return onLoop(() -> {
            int n = 0;
            for (LiveDevice d : devices) {
                if (d.drop()) {
                    n++;
                }
            }
            return n;
        });
    }

    /** Time from losing a connection to having the next one up, per reconnect since the last {@link #mark()}. */
    public Histogram reconnectNanos() {
        return onLoop(reconnects::copy);
    }

    public record PingResult(long sent, long pongs) {
    }

    /**
     * Sends {@code count} extra keep-alive probes spread evenly over {@code duration}, round-robin over connected
     * devices, then waits up to {@code grace} for as many answers. {@code pongs} counts every answer in that time,
     * the devices' own keep-alives included.
     */
    public PingResult ping(long count, Duration duration, Duration grace) {
        long before = snapshot().pongs();
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long interval = duration.toNanos() / Math.max(1, count);
        for (long k = 0; k < count; k++) {
            long wait = start + k * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            loop.execute(() -> {
                // A few tries find a connected device; a fleet with none connected sends nothing.
                for (int tries = 0; tries < 16 && !devices.isEmpty(); tries++) {
                    if (devices.get(Math.floorMod(pingCursor++, devices.size())).pingNow()) {
                        sent.incrementAndGet();
                        return;
                    }
                }
            });
        }
        onLoop(() -> null); // every queued probe has been written
        long end = System.nanoTime() + grace.toNanos();
        long pongs = snapshot().pongs() - before;
        while (pongs < sent.get() && System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            pongs = snapshot().pongs() - before;
        }
        return new PingResult(sent.get(), pongs);
    }

    private <T> T onLoop(Callable<T> task) {
        try {
            return loop.submit(task).get(LOOP_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("fleet event loop call failed: " + e, e);
        }
    }

    /** Stops every device (no reconnects) and closes their connections. */
    @Override
    public void close() {
        synchronized (this) {
            if (ramp != null) {
                ramp.interrupt();
            }
        }
        try {
            onLoop(() -> {
                devices.forEach(LiveDevice::stop);
                return null;
            });
        } catch (IllegalStateException ignored) {
            // shutting down anyway
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
