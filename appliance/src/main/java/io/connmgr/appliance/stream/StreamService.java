package io.connmgr.appliance.stream;

import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.devicelink.Farewell;
import io.connmgr.appliance.devicelink.HandlerNames;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.appliance.admin.DeviceDirectory.TierRequestResult;
import io.connmgr.appliance.tier.sleep.DeviceKeyIndex;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.micrometer.core.instrument.Gauge;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams between back-ends and devices: opens them for the proxy (waking or waiting for the device), routes the
 * device's stream frames to their link, pairs data connections with their streams, and connects device-initiated
 * links to configured back-end services.
 *
 * <p>Which way a proxy stream travels is decided per device from what its HELLO announced (and this appliance
 * offers): CONNECT_REQUESTS → CONNECT_REQUEST (a connection-initiating device: its application dials in); else
 * DATA_CONNECTIONS → a data connection; else STREAMS → multiplexed on the link; else the request fails with
 * NOT_SUPPORTED.
 */
public final class StreamService implements SessionObserver {
    private static final Logger log = LoggerFactory.getLogger(StreamService.class);
    private static final long RETRY_WAKE_MILLIS = 50;
    private static final int TOKEN_BYTES = 16;
    private static final int STREAM_BITS = Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS
            | Capabilities.CONNECT_REQUESTS | Capabilities.DEVICE_LINKS;

    /** A back-end service devices may open links to. */
    public record Target(String host, int port) {
        static Target parse(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            return new Target(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }
    }

    /**
     * What streams are allowed to do; from the configuration.
     *
     * @param maxChunk largest STREAM_DATA payload sent to a device: 16 KiB, or less where the frame size allows less
     * @param splice   data connections are relayed with splice(2) where both sockets are epoll's
     */
    public record Options(int window, int maxChunk, int maxStreamsPerDevice, Duration connectWait,
                          boolean dataConnections, boolean splice, Map<String, Target> services, int maxStreams,
                          WriteBufferWaterMark waterMark) {
        /**
         * Larger frames cost less per byte, but a device decodes a frame only once all of it has arrived: 64 KiB
         * frames (one socket read each) relayed slower than 16 KiB ones in A/B runs of cm loadtest relay.
         */
        static final int MAX_CHUNK = 16 * 1024;

        /** @param epoll the appliance runs on native epoll (splice needs it) */
        public static Options of(ApplianceConfig c, boolean epoll) {
            Map<String, Target> services = new LinkedHashMap<>();
            c.services().forEach((name, target) -> services.put(name, Target.parse(target)));
            // STREAM_DATA carries a 4-byte stream id in front of the data within the payload limit.
            int maxChunk = Math.max(1, Math.min(MAX_CHUNK, c.maxFrameSize() - 4));
            return new Options(c.streamWindow(), maxChunk, c.maxStreamsPerDevice(), c.connectWait(),
                    c.dataConnections(), c.dataConnectionSplice() && epoll, Map.copyOf(services),
                    c.backpressure().maxStreams(), c.backpressure().waterMark());
        }
    }

    /**
     * A one-time token handed out with a STREAM_OPEN or CONNECT_REQUEST, waiting for its data connection. It expires
     * with its open's connect-wait deadline, which takes it out of the table.
     */
    record PendingAttach(String key, DeviceStreams link, DeviceStreams.PendingOpen open) {
    }

    /** A request waiting for its device to connect or wake. */
    private static final class Waiter {
        final OpenRequest request;
        final AtomicBoolean claimed = new AtomicBoolean();
        volatile ScheduledFuture<?> deadline;

        Waiter(OpenRequest request) {
            this.request = request;
        }
    }

    private final ConnectionManager manager;
    private final Executor storeReads;
    private final ApplianceMetrics applianceMetrics;
    private final StreamMetrics metrics;
    private final Options options;
    private final int advertised;
    /**
     * Stream capabilities each device announced in its last HELLO, by device key; kept while it sleeps, in primitive
     * arrays so that a sleeping device costs a few bytes here and no object. Guarded by itself.
     */
    private final DeviceKeyIndex announced = new DeviceKeyIndex(1024);
    private final ConcurrentHashMap<String, DeviceStreams> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PendingAttach> attaches = new ConcurrentHashMap<>();

    public StreamService(ConnectionManager manager, Executor storeReads,
                         ApplianceMetrics applianceMetrics, Options options) {
        this.manager = manager;
        this.storeReads = storeReads;
        this.applianceMetrics = applianceMetrics;
        this.metrics = new StreamMetrics(applianceMetrics.meterRegistry());
        this.options = options;
        this.advertised = Capabilities.STREAMS | Capabilities.CONNECT_REQUESTS | Capabilities.DEVICE_LINKS
                | (options.dataConnections() ? Capabilities.DATA_CONNECTIONS : 0);
        Gauge.builder("cm.streams.waiting", waiters,
                        w -> w.values().stream().mapToInt(Set::size).sum())
                .description("Stream opens waiting for their device to connect or wake")
                .register(applianceMetrics.meterRegistry());
        log.info("data connections and connection requests are relayed {}", options.splice()
                ? "with splice(2): their bytes stay in the kernel"
                : "by copying through the JVM (" + (Epoll.isAvailable() ? "data-connection-splice is off"
                : "splice needs native epoll") + ")");
    }

    /** The stream capability bits this appliance sets in WELCOME. */
    @Override
    public int welcomeCapabilities() {
        return advertised;
    }

    public StreamMetrics metrics() {
        return metrics;
    }

    /** The write-buffer marks of connections whose bytes become stream bytes (write-buffer-low/high). */
    public WriteBufferWaterMark waterMark() {
        return options.waterMark();
    }

    Options options() {
        return options;
    }

    // ---------------------------------------------------------------- device link events

    /** Learns what a device announced at its handshake, and serves the requests that waited for it to connect. */
    @Override
    public void awake(DeviceSession session, int deviceCapabilities) {
        if (deviceCapabilities < 0) {
            return; // woken from SLEEP: its waiters are served by the wake they asked for
        }
        int bits = deviceCapabilities & STREAM_BITS;
        synchronized (announced) {
            announced.remove(session.deviceKey());
            if (bits != 0) {
                announced.putIfAbsent(session.deviceKey(), bits);
            }
        }
        Set<Waiter> waiting = waiters.get(session.deviceId());
        if (waiting != null) {
            waiting.forEach(w -> proceed(w, session));
        }
    }

    /**
     * A stream frame from an ACTIVE device. Takes ownership of the frame. False when the frame is not allowed on this
     * link (the capability was not announced by both sides): the caller refuses it as UNEXPECTED_FRAME.
     */
    public boolean onFrame(DeviceSession session, Frame frame) {
        // The link knows its connection's capabilities: no shared lookup per frame on the data path.
        DeviceStreams link = linkOf(session);
        int both = link.capabilities & advertised;
        boolean allowed = frame instanceof StreamOpen ? (both & Capabilities.DEVICE_LINKS) != 0 : both != 0;
        if (!allowed) {
            ReferenceCountUtil.release(frame);
            return false;
        }
        link.onFrame(frame);
        return true;
    }

    /** The device link's writability changed: streams read their back-ends again, or stop. */
    public void linkWritabilityChanged(DeviceSession session) {
        DeviceStreams link = links.get(session.deviceId());
        if (link != null && link.channel == session.channel()) {
            link.writabilityChanged();
        }
    }

    private DeviceStreams linkOf(DeviceSession session) {
        Channel ch = session.channel();
        DeviceStreams existing = links.get(session.deviceId());
        if (existing != null && existing.channel == ch) {
            return existing;
        }
        DeviceStreams created = new DeviceStreams(session.deviceId(), ch, announcedBy(session), this);
        links.put(session.deviceId(), created);
        ch.closeFuture().addListener(f -> created.loop.execute(() -> {
            created.linkGone();
            links.remove(session.deviceId(), created);
        }));
        return created;
    }

    /**
     * How a stream to this device travels to {@code backend}. A back-end end that cannot be joined to a data
     * connection (a control-channel stream) takes the multiplexed mode even where the device prefers another.
     */
    StreamMetrics.Kind kindFor(int deviceCapabilities, StreamEndpoint backend) {
        int both = deviceCapabilities & advertised;
        if (!backend.joinsDataConnections()) {
            return (both & Capabilities.STREAMS) != 0 ? StreamMetrics.Kind.MULTIPLEXED : null;
        }
        if ((both & Capabilities.CONNECT_REQUESTS) != 0) {
            return StreamMetrics.Kind.CONNECT_REQUEST;
        }
        if ((both & Capabilities.DATA_CONNECTIONS) != 0) {
            return StreamMetrics.Kind.DATA_CONNECTION;
        }
        if ((both & Capabilities.STREAMS) != 0) {
            return StreamMetrics.Kind.MULTIPLEXED;
        }
        return null;
    }

    /**
     * Whether the appliance-wide stream cap ({@code max-streams}) is reached; counted as a refusal when it is. Checked
     * when a request arrives and again when the stream is opened on the link, so opens in progress can pass it by at
     * most their number. Each open stream holds at most its windows, so the cap bounds the memory streams can hold.
     */
    boolean atApplianceCap() {
        if (metrics.active() < options.maxStreams()) {
            return false;
        }
        metrics.refusedAtApplianceCap();
        return true;
    }

    void serverLinks(String deviceId, int delta) {
        manager.serverLinks(deviceId, delta);
    }

    void violation(Channel ch, String detail) {
        applianceMetrics.frameRejected(ReasonCode.PROTOCOL_ERROR);
        Farewell.send(ch, new GoAway(ReasonCode.PROTOCOL_ERROR, manager.violationReconnectAfterMillis(), detail));
    }

    // ---------------------------------------------------------------- opening for a back-end

    /**
     * Opens a stream to {@code r.port()} on the device: wakes it from any tier, or waits up to connect-wait for it to
     * connect. The outcome goes to {@code r.reply()}.
     */
    public void open(OpenRequest r) {
        if (atApplianceCap()) {
            metrics.opened(StreamMetrics.Kind.MULTIPLEXED, StreamStatus.TOO_MANY_STREAMS);
            r.reply().failed(OpenFailure.TOO_MANY_STREAMS);
            return;
        }
        log.debug("device {}: stream to port {} requested by {} ({})", r.deviceId(), r.port(), r.origin(),
                manager.tierOf(r.deviceId()));
        Waiter w = new Waiter(r);
        waiters.computeIfAbsent(r.deviceId(), k -> ConcurrentHashMap.newKeySet()).add(w);
        w.deadline = r.backend().eventLoop().schedule(() -> timedOut(w), options.connectWait().toMillis(),
                TimeUnit.MILLISECONDS);
        r.backend().closeFuture().addListener(f -> {
            if (claim(w)) {
                metrics.opened(StreamMetrics.Kind.MULTIPLEXED, StreamStatus.CANCELLED);
            }
        });
        wakeFor(w);
    }

    /**
     * Wakes the device and opens the stream once it is ACTIVE. A wake can finish while the device is not yet ACTIVE
     * (its socket is between the sleep table and Netty, or a timer demoted it again at once); the waiter then tries
     * again shortly, until its connect-wait deadline claims it. A device that is not connected at all is left to
     * {@link #admitted}.
     */
    private void wakeFor(Waiter w) {
        String id = w.request.deviceId();
        if (w.claimed.get()) {
            return;
        }
        manager.wake(id, TierCause.SERVER_REQUEST).whenComplete((result, error) -> {
            var session = manager.awakeSession(id).filter(s -> s.tier() == Tier.ACTIVE);
            if (session.isPresent()) {
                proceed(w, session.get());
            } else if (result == TierRequestResult.NOT_CONNECTED) {
                log.debug("device {}: not connected, waiting for it", id); // admitted() takes it from here
            } else if (!w.claimed.get()) {
                log.debug("device {}: not ACTIVE after a wake ({}), trying again", id, error != null ? error : result);
                w.request.backend().eventLoop().schedule(() -> wakeFor(w), RETRY_WAKE_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
    }

    private boolean claim(Waiter w) {
        if (!w.claimed.compareAndSet(false, true)) {
            return false;
        }
        Set<Waiter> set = waiters.get(w.request.deviceId());
        if (set != null) {
            set.remove(w);
            if (set.isEmpty()) {
                waiters.remove(w.request.deviceId(), set);
            }
        }
        ScheduledFuture<?> d = w.deadline;
        if (d != null) {
            d.cancel(false);
        }
        return true;
    }

    private int announcedBy(DeviceSession s) {
        synchronized (announced) {
            return Math.max(0, announced.get(s.deviceKey()));
        }
    }

    private void proceed(Waiter w, DeviceSession s) {
        s.channel().eventLoop().execute(() -> {
            // Checked again on the device's loop, where tier changes happen: the session may have left for the sleep
            // table meanwhile, and a stream opened on a socket leaving Netty would be lost. While it is still the
            // awake session, opening the stream holds it awake (a pending park sees the server link and stays).
            boolean current = manager.awakeSession(s.deviceId()).orElse(null) == s && s.tier() == Tier.ACTIVE
                    && !s.closing();
            if (!current) {
                if (!w.claimed.get()) {
                    w.request.backend().eventLoop().schedule(() -> wakeFor(w), RETRY_WAKE_MILLIS,
                            TimeUnit.MILLISECONDS);
                }
                return;
            }
            if (claim(w)) {
                linkOf(s).open(w.request);
            }
        });
    }

    private void timedOut(Waiter w) {
        if (!claim(w)) {
            return;
        }
        String id = w.request.deviceId();
        storeReads.execute(() -> {
            boolean known;
            try {
                known = manager.knownDevice(id);
            } catch (RuntimeException e) {
                log.warn("device {}: store lookup failed: {}", id, e.toString());
                known = true;
            }
            metrics.opened(StreamMetrics.Kind.MULTIPLEXED, StreamStatus.UNREACHABLE);
            w.request.reply().failed(known ? OpenFailure.DEVICE_OFFLINE : OpenFailure.UNKNOWN_DEVICE);
        });
    }

    // ---------------------------------------------------------------- data connections

    byte[] newToken() {
        return SecretFiles.randomBytes(TOKEN_BYTES);
    }

    PendingAttach expectAttach(DeviceStreams link, DeviceStreams.PendingOpen open) {
        String key = HexFormat.of().formatHex(open.token);
        PendingAttach p = new PendingAttach(key, link, open);
        attaches.put(key, p);
        return p;
    }

    /** Takes the token out of play; false when a data connection (or another ending) already took it. */
    boolean claimAttach(PendingAttach p) {
        return attaches.remove(p.key(), p);
    }

    /**
     * A new connection on the device port sent STREAM_ATTACH instead of HELLO. On that connection's event loop, with
     * reading off; the handshake stages are still in place.
     */
    public void attach(Channel ch, StreamAttach attach) {
        PendingAttach p = attaches.remove(HexFormat.of().formatHex(attach.token()));
        if (p == null) {
            metrics.attachFailure();
            applianceMetrics.authFailure(ReasonCode.BAD_CREDENTIALS);
            Farewell.send(ch, new Reject(ReasonCode.BAD_CREDENTIALS, "unknown, expired or used stream token"));
            return;
        }
        DeviceStreams link = p.link();
        DeviceStreams.PendingOpen open = p.open();
        link.dataConnections.incrementAndGet();
        link.loop.execute(() -> link.attached(open));
        OpenRequest r = open.request;
        metrics.opened(open.kind, StreamStatus.OK);
        r.reply().succeeded();
        Runnable ended = () -> {
            link.dataConnections.decrementAndGet();
            metrics.closed(open.kind);
            manager.serverLinks(link.deviceId, -1);
        };
        DataConnectionRelay pipe = r.backend().join(ch, metrics, options.splice(), ended);
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // The one frame before the raw bytes: it tells the dialer its token was taken, so it never has to guess
        // whether what follows is a REJECT or stream data. Written while the encoder is still in place.
        ch.writeAndFlush(new StreamOpenResult(open.id, StreamStatus.OK, 0));
        ChannelPipeline pl = ch.pipeline();
        pl.addBefore(HandlerNames.EXCEPTIONS, "pipe", pipe.deviceSide());
        for (String name : new String[]{HandlerNames.VIOLATIONS, HandlerNames.ENCODER, HandlerNames.HANDSHAKE,
                HandlerNames.DECODER}) {
            if (pl.get(name) != null) {
                pl.remove(name); // the decoder goes last and hands its leftover bytes to the pipe
            }
        }
        r.backend().start(pipe);
    }
}
