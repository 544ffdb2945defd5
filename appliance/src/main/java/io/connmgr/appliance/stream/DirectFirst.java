package io.connmgr.appliance.stream;

import io.connmgr.appliance.backend.DirectAddressBook;
import io.connmgr.appliance.backend.DirectReachability;
import io.connmgr.appliance.config.SourceNetworks;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.ReachabilityRecord;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.wire.StreamStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The proxy's way to a device that announced a direct address (docs/protocol.md section 6.11): dial that address
 * first, within {@code direct-connect-timeout}, and relay the back-end's connection to it without the device link;
 * when it does not answer, count a failure towards auto-determination and open the stream the normal way
 * ({@link StreamService#open}). A device marked {@code persistent_required} is not dialled any more.
 *
 * <p>A {@code HOST} address is dialled at the port the back-end asked for; a {@code HOST:PORT} address stands for that
 * one port, so only requests for PORT go there and the others take the normal path without counting.
 */
public final class DirectFirst implements Consumer<OpenRequest>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectFirst.class);

    /** Why a direct attempt failed; the {@code reason} tag of {@code cm.direct.failures}. */
    enum Failure {
        REFUSED, TIMEOUT, UNREACHABLE, UNRESOLVED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final StreamService streams;
    private final DirectAddressBook book;
    private final DirectReachability reachability;
    private final ApplianceStore store;
    private final Duration connectTimeout;
    private final SourceNetworks allowed;
    /** Store reads and name lookups of a request; both block, and a lookup may take seconds. */
    private final ExecutorService planner = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("direct-first-", 0).factory());
    private final Counter attempts;
    private final Counter successes;
    private final Counter notAllowed;
    private final Map<Failure, Counter> failures = new ConcurrentHashMap<>();

    public DirectFirst(StreamService streams, DirectAddressBook book, DirectReachability reachability,
                       ApplianceStore store, Duration connectTimeout, SourceNetworks allowed, MeterRegistry registry) {
        this.streams = streams;
        this.book = book;
        this.reachability = reachability;
        this.store = store;
        this.connectTimeout = connectTimeout;
        this.allowed = allowed;
        this.attempts = Counter.builder("cm.direct.attempts")
                .description("Proxy requests that dialled a device's announced direct address first")
                .register(registry);
        this.successes = Counter.builder("cm.direct.successes")
                .description("Direct attempts that connected: the request was relayed without the device link")
                .register(registry);
        for (Failure f : Failure.values()) {
            failures.put(f, Counter.builder("cm.direct.failures")
                    .description("Direct attempts that failed, by reason; the request then took the normal path")
                    .tag("reason", f.tag()).register(registry));
        }
        this.notAllowed = Counter.builder("cm.direct.skipped")
                .description("Direct addresses not dialled because they are outside direct-networks")
                .tag("reason", "not_allowed").register(registry);
    }

    /** Opens the stream {@code r} asks for: directly when the device announced an address for it, else normally. */
    @Override
    public void accept(OpenRequest r) {
        // A control-channel stream has no socket to hand to the device's address; it always takes the device's link.
        if (!(r.backend() instanceof SocketEndpoint) || !book.mayHaveDirectAddress(r.deviceId())) {
            streams.open(r);
            return;
        }
        planner.execute(() -> {
            try {
                plan(r);
            } catch (RuntimeException e) {
                log.warn("device {}: direct attempt not made: {}", r.deviceId(), e.toString());
                normally(r);
            }
        });
    }

    private void plan(OpenRequest r) {
        String id = r.deviceId();
        boolean persistent = store.loadSettings(id).map(DeviceSettings::persistentRequired).orElse(null)
                == Boolean.TRUE;
        Optional<DirectAddress> announced = store.loadReachability(id).map(ReachabilityRecord::directAddress)
                .map(DirectAddress::parse);
        if (persistent || announced.isEmpty()) {
            normally(r);
            return;
        }
        DirectAddress address = announced.get();
        if (address.hasPort() && address.port() != r.port()) {
            normally(r); // the address stands for another port
            return;
        }
        int port = address.hasPort() ? address.port() : r.port();
        InetAddress target;
        try {
            target = firstAllowed(InetAddress.getAllByName(address.host()));
        } catch (UnknownHostException e) {
            attempts.increment();
            failed(r, address, Failure.UNRESOLVED, "does not resolve");
            return;
        }
        if (target == null) {
            notAllowed.increment();
            log.debug("device {}: direct address {} is outside direct-networks, not dialled", id, address);
            normally(r);
            return;
        }
        attempts.increment();
        Channel backend = ((SocketEndpoint) r.backend()).channel();
        ChannelFuture connecting = new Bootstrap()
                .group(backend.eventLoop()) // both ends of the relay on one loop
                .channel(backend instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress(target, port));
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                connected(r, address, connecting.channel());
            } else {
                Throwable cause = f.cause();
                Failure why = cause instanceof ConnectTimeoutException ? Failure.TIMEOUT
                        : cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")
                        ? Failure.REFUSED : Failure.UNREACHABLE;
                failed(r, address, why, String.valueOf(cause.getMessage()));
            }
        });
    }

    private InetAddress firstAllowed(InetAddress[] candidates) {
        for (InetAddress a : candidates) {
            if (allowed.contains(new InetSocketAddress(a, 0))) {
                return a;
            }
        }
        return null;
    }

    /** On the back-end's event loop. */
    private void connected(OpenRequest r, DirectAddress address, Channel direct) {
        successes.increment();
        planner.execute(() -> reachability.attempt(r.deviceId(), true).exceptionally(e -> {
            log.warn("device {}: recording a direct success failed: {}", r.deviceId(), e.toString());
            return null;
        }));
        log.debug("device {}: port {} reached directly at {}", r.deviceId(), r.port(), address);
        StreamMetrics metrics = streams.metrics();
        metrics.opened(StreamMetrics.Kind.DIRECT, StreamStatus.OK);
        r.reply().succeeded();
        SocketEndpoint backend = (SocketEndpoint) r.backend();
        DataConnectionRelay pipe = backend.join(direct, metrics, streams.options().splice(),
                () -> metrics.closed(StreamMetrics.Kind.DIRECT));
        direct.pipeline().addLast("pipe", pipe.deviceSide());
        backend.start(pipe);
    }

    /**
     * Counts the failure towards auto-determination, then opens the stream the normal way: once it is recorded, so a
     * request that reached the threshold is answered after the device's setting changed.
     */
    private void failed(OpenRequest r, DirectAddress address, Failure why, String detail) {
        failures.get(why).increment();
        log.debug("device {}: direct address {} failed ({}: {}), taking the normal path", r.deviceId(), address,
                why.tag(), detail);
        planner.execute(() -> {
            try {
                reachability.attempt(r.deviceId(), false).whenComplete((verdict, error) -> {
                    if (error != null) {
                        log.warn("device {}: recording a direct failure failed: {}", r.deviceId(), error.toString());
                    }
                    normally(r);
                });
            } catch (RuntimeException e) {
                log.warn("device {}: recording a direct failure failed: {}", r.deviceId(), e.toString());
                normally(r);
            }
        });
    }

    /** The way without the direct address, from the back-end's event loop as the proxy itself would call it. */
    private void normally(OpenRequest r) {
        r.backend().eventLoop().execute(() -> streams.open(r));
    }

    @Override
    public void close() {
        planner.shutdownNow();
    }
}
