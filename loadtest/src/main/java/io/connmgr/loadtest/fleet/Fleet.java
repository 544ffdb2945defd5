package io.connmgr.loadtest.fleet;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The devices of one worker process, all on one epoll event loop so that a device costs a channel and a handler and
 * the worker leaves the machine's cores to the appliance. Every operation is bounded in count and in time.
 */
public final class Fleet implements AutoCloseable {
    /** Handshakes in flight at once: enough to keep the appliance busy, well under its pending-handshake limit. */
    private static final int CONNECT_WINDOW = 256;
    private static final byte[] WAKE_PAYLOAD = new byte[16];

    private final int workerIndex;
    private final String idPrefix;
    private final InetSocketAddress appliance;
    private final FleetToken tokens;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final FleetCounters counters = new FleetCounters();
    private final List<SimulatedDevice> devices = new ArrayList<>();
    private int failed;
    private int pingCursor;
    private int wakeCursor;
    /** Bumped on every change of the keep-alive schedule, so tasks of an older schedule stop by themselves. */
    private volatile long keepAliveGeneration;
    private volatile long keepAliveNanos;
    private volatile double keepAliveJitter;

    public Fleet(int workerIndex, String idPrefix, InetSocketAddress appliance, byte[] fleetKey) {
        this.workerIndex = workerIndex;
        this.idPrefix = idPrefix;
        this.appliance = appliance;
        this.tokens = new FleetToken(fleetKey);
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fleet", true),
                EpollIoHandler.newFactory());
        this.bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    /**
     * @param handshakeNanos time from the connect call to WELCOME of each device welcomed by this call
     */
    public record ConnectResult(int connected, int failed, long closed, Histogram handshakeNanos) {
        public ConnectResult(int connected, int failed, long closed) {
            this(connected, failed, closed, new Histogram(Histograms.HIGHEST_NANOS, 3));
        }
    }

    /** Opens devices until {@code target} hold a welcomed connection, or until {@code deadline} passes. */
    public ConnectResult connectUpTo(int target, Duration deadline) throws InterruptedException {
        return connectUpTo(target, deadline, 0);
    }

    /**
     * Opens devices until {@code target} hold a welcomed connection, or until {@code deadline} passes, starting at
     * most {@code ratePerSecond} connects a second (0: as fast as the handshake window allows). New devices join the
     * keep-alive schedule, if one runs.
     */
    public ConnectResult connectUpTo(int target, Duration deadline, double ratePerSecond) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        long gapNanos = ratePerSecond > 0 ? (long) (1e9 / ratePerSecond) : 0;
        Semaphore window = new Semaphore(CONNECT_WINDOW);
        Histogram handshakes = new SynchronizedHistogram(Histograms.HIGHEST_NANOS, 3);
        List<CompletableFuture<SimulatedDevice>> started = new ArrayList<>();
        int attempts = 0;
        // Each device gets one attempt; failures are reported, not retried, so the count stays honest.
        for (int i = devices.size() + failed; started.size() + devices.size() < target && attempts < 2 * target; i++) {
            if (gapNanos > 0) {
                long due = start + attempts * gapNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    if (due >= end) {
                        break;
                    }
                    LockSupport.parkNanos(wait);
                }
            }
            attempts++;
            long left = end - System.nanoTime();
            if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            String id = idPrefix + "-" + workerIndex + "-" + i;
            SimulatedDevice device = new SimulatedDevice(id, tokens.credential(id), counters);
            long connectStart = System.nanoTime();
            device.welcomed.whenComplete((d, e) -> {
                window.release();
                if (e == null) {
                    handshakes.recordValue(Math.min(Histograms.HIGHEST_NANOS, System.nanoTime() - connectStart));
                }
            });
            started.add(device.welcomed);
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new FrameDecoder(64 * 1024), FrameEncoder.INSTANCE, device);
                }
            }).connect(appliance, new InetSocketAddress(WorkerPlan.sourceAddress(workerIndex, i), 0))
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            device.welcomed.completeExceptionally(f.cause());
                        }
                    });
        }
        for (CompletableFuture<SimulatedDevice> f : started) {
            try {
                SimulatedDevice d = f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                devices.add(d);
                if (keepAliveNanos > 0) {
                    scheduleKeepAlive(d, keepAliveGeneration, randomDelay(keepAliveNanos));
                }
            } catch (Exception e) {
                failed++;
                counters.connectFailed.increment();
                if (failed <= 5) {
                    System.err.println("fleet " + workerIndex + ": " + e);
                }
            }
        }
        return new ConnectResult(devices.size(), failed, counters.closed.sum(), handshakes.copy());
    }

    public record PingResult(long sent, long pongs, long goaways, long closed) {
    }

    /**
     * Sends {@code count} PINGs spread evenly over {@code duration}, round-robin over the devices, then waits (up to
     * {@code grace}) for their PONGs. Pacing keeps the appliance answering one PING at a time, as it would for a real
     * fleet pinging every few minutes, rather than draining a burst.
     */
    public PingResult ping(long count, Duration duration, Duration grace) {
        long before = counters.pongs.sum();
        long sent = 0;
        if (!devices.isEmpty()) {
            long start = System.nanoTime();
            long interval = duration.toNanos() / Math.max(1, count);
            for (long k = 0; k < count; k++) {
                long due = start + k * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                SimulatedDevice d = devices.get(pingCursor++ % devices.size());
                if (d.isOpen()) {
                    d.sendPing();
                    sent++;
                }
            }
        }
        long end = System.nanoTime() + grace.toNanos();
        while (counters.pongs.sum() - before < sent && System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return new PingResult(sent, counters.pongs.sum() - before, counters.goaways.sum(), counters.closed.sum());
    }

    public record WakeResult(int wakes, int failed, Histogram micros) {
    }

    /**
     * Sends one MSG from each of {@code count} devices in turn (each a device not used before, so it has been asleep
     * since it settled) and records the time from the write to the ACK.
     */
    public WakeResult wake(int count, Duration gap, Duration timeout) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int failures = 0;
        for (int k = 0; k < count && !devices.isEmpty(); k++) {
            SimulatedDevice d = devices.get(wakeCursor++ % devices.size());
            long start = System.nanoTime();
            try {
                long acked = d.sendMsg(WAKE_PAYLOAD).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                h.recordValue(Math.min(h.getHighestTrackableValue(), Math.max(0, (acked - start) / 1000)));
            } catch (Exception e) {
                failures++;
                if (failures <= 3) {
                    System.err.println("fleet " + workerIndex + ": MSG without ACK: " + e);
                }
            }
            LockSupport.parkNanos(gap.toNanos());
        }
        return new WakeResult(count - failures, failures, h);
    }

    /**
     * Starts (or changes) the devices' own keep-alive: each sends a PING every {@code interval}, spread by
     * ± {@code jitter} (a fraction: 0.1 is ±10 %) at random, the first at a random point of the first interval so the
     * fleet does not ping in step. A zero interval stops it. Devices connected later join the schedule.
     */
    public void keepAlive(Duration interval, double jitter) {
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        keepAliveJitter = jitter;
        keepAliveNanos = interval.toNanos();
        long generation = ++keepAliveGeneration;
        if (interval.isZero() || interval.isNegative()) {
            keepAliveNanos = 0;
            return;
        }
        for (SimulatedDevice d : devices) {
            scheduleKeepAlive(d, generation, randomDelay(keepAliveNanos));
        }
    }

    private static long randomDelay(long interval) {
        return ThreadLocalRandom.current().nextLong(Math.max(1, interval));
    }

    private void scheduleKeepAlive(SimulatedDevice d, long generation, long delayNanos) {
        if (!d.isOpen()) {
            return;
        }
        d.eventLoop().schedule(() -> {
            if (generation != keepAliveGeneration || !d.isOpen()) {
                return;
            }
            d.sendPing();
            counters.keepAlivesSent.increment();
            double spread = keepAliveJitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
            scheduleKeepAlive(d, generation, Math.max(1, (long) (keepAliveNanos * (1 + spread))));
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Live counts, safe to read from any thread while a command runs.
     *
     * @param connected devices holding a welcomed connection now
     */
    public record Status(long connected, long connectFailed, long dropped, long keepAlivesSent, long pongs,
                         long goaways) {
    }

    public Status status() {
        return new Status(counters.welcomed.sum() - counters.dropped.sum(), counters.connectFailed.sum(),
                counters.dropped.sum(), counters.keepAlivesSent.sum(), counters.pongs.sum(), counters.goaways.sum());
    }

    public int size() {
        return devices.size();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
