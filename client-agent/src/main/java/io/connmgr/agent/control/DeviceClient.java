package io.connmgr.agent.control;

import io.connmgr.agent.control.DeviceClientException.Kind;
import io.connmgr.agent.control.StreamTable.StreamSettings;
import io.connmgr.agent.rpc.RpcHandler;
import io.connmgr.agent.stream.ConnectRequestHandler;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.codec.DeviceIds;
import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Keeps one device connected to the appliance: dials out, says HELLO, keeps the connection alive with PINGs, and
 * reconnects with backoff when it drops, resuming the session by token. The library a device embeds when its own
 * software can be changed; the stand-alone agent is built on it.
 *
 * <pre>{@code
 * DeviceClient client = DeviceClient.builder()
 *         .appliance("cm.example.net", 7700).deviceId("dev-1").token(token)
 *         .listener(new DeviceClientListener() { ... })
 *         .build()
 *         .start();
 * client.send(payload).thenAccept(seq -> ...);   // completes when the appliance acknowledged it
 * client.close();
 * }</pre>
 *
 * <p>Besides messages it can carry back-end traffic to the device: {@link Builder#expose exposed ports} the appliance
 * opens streams to (multiplexed on this connection, or over {@link Builder#streamMode data connections}), CONNECT_REQUEST
 * notifications for a {@link Builder#connectRequestHandler connection-initiating application}, {@link Builder#link
 * device-initiated links} to named back-end services, and RPCs answered by an {@link Builder#rpcHandler RPC handler}.
 * Each announces its capability in HELLO and is used only when the appliance's WELCOME carries the same bit.
 *
 * <p>{@link Builder#onDemand On demand} it does not stay connected: it disconnects after a quiet period and connects
 * again on an interval, or as soon as there is a message to send or a local program connects to a device-initiated
 * link, announcing {@code on_demand} and, if given, its {@link Builder#directAddress direct address} in HELLO. When a
 * WELCOME asks it to stay connected (the appliance could not reach it directly, docs/protocol.md section 6.11) it
 * stays connected like a persistent client until a WELCOME comes without that request; {@link
 * #stayConnectedRequested()} tells which.
 *
 * <p>Threading: every piece of mutable state lives on one event loop; public methods may be called from any thread and
 * hop onto it. Listener callbacks and future completions run on that loop and must not block.
 */
public final class DeviceClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceClient.class);
    private static final int MSG_SEQ_BYTES = 8;

    private final InetSocketAddress appliance;
    private final String deviceId;
    private final byte[] credential;
    private final int requestedKeepAliveSeconds;
    private final int capabilities;
    /** Null for a persistently connected client. */
    private final Duration quietPeriod;
    private final Duration reconnectInterval;
    private final DirectAddress directAddress;
    private final Duration handshakeTimeout;
    private final int maxFrameSize;
    private final List<DeviceClientListener> listeners;
    private final Ticker ticker;
    private final EventLoopGroup ownGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Backoff backoff;
    private final Outbox outbox;
    private final PendingCommands commands = new PendingCommands();
    private final OutboundProxy proxy;
    private final LinkTls tls;
    /** Null when no stream feature is configured; stream frames are then unexpected. */
    private final StreamTable streams;
    /** Null without an RPC handler. */
    private final RpcCalls rpc;
    /** Runs RPC handlers and connect-request notifications; null when neither is configured. */
    private final Executor worker;
    private final ExecutorService ownWorker;
    private volatile List<InetSocketAddress> linkAddresses = List.of();

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile ConnectionState state = ConnectionState.NEW;
    private volatile Welcome welcome;
    private volatile boolean stayConnectedRequested;

    private final AtomicLong pingsSent = new AtomicLong();
    private final AtomicLong pongsReceived = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong sessions = new AtomicLong();
    private final AtomicLong messagesAcked = new AtomicLong();
    private final AtomicLong messagesReceived = new AtomicLong();
    private final AtomicLong linkWakeups = new AtomicLong();

    // Event-loop confined.
    private Link link;
    private io.netty.util.concurrent.ScheduledFuture<?> reconnectTimer;
    private byte[] resumeToken = new byte[0];
    private long lastDeliveredDownlink;
    private long connectAttempts;
    /** When the client last had business (a message, command, stream or RPC frame); on demand only. */
    private long lastBusyNanos;

    private DeviceClient(Builder b) {
        this.appliance = InetSocketAddress.createUnresolved(b.host, b.port);
        this.deviceId = b.deviceId;
        this.credential = b.token.getBytes(StandardCharsets.UTF_8);
        this.requestedKeepAliveSeconds = b.keepAliveSeconds;
        // A local link connection waits for the device link at most as long as one connection attempt may take.
        StreamSettings streamSettings = new StreamSettings(Map.copyOf(b.exposures), List.copyOf(b.links),
                b.streamMode, b.streamWindow, b.maxStreams, b.localConnectTimeout, b.connectRequestHandler,
                b.connectTimeout.plus(b.handshakeTimeout), b.dataConnectionSplice);
        this.capabilities = b.capabilities | StreamTable.capabilities(streamSettings)
                | (b.rpcHandler != null ? Capabilities.RPC : 0);
        this.proxy = b.proxy;
        this.tls = b.tls;
        this.quietPeriod = b.quietPeriod;
        this.reconnectInterval = b.reconnectInterval;
        this.directAddress = b.directAddress == null ? null : DirectAddress.parse(b.directAddress);
        this.handshakeTimeout = b.handshakeTimeout;
        this.maxFrameSize = b.maxFrameSize;
        this.listeners = List.copyOf(b.listeners);
        Transport transport;
        EventLoopGroup group;
        if (b.group != null) {
            group = b.group;
            transport = Transport.of(group);
            this.ownGroup = null;
        } else {
            transport = b.transport != null ? b.transport : Transport.best();
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cm-device-client", true),
                    transport.ioHandlerFactory());
            this.ownGroup = group;
        }
        this.loop = group.next();
        this.ticker = b.ticker != null ? b.ticker : loop.ticker();
        this.backoff = new Backoff(b.policy, b.random != null ? b.random : new SplittableRandom(), ticker);
        this.outbox = new Outbox(b.outboxCapacity);
        boolean needsWorker = b.rpcHandler != null || b.connectRequestHandler != null;
        if (!needsWorker) {
            this.ownWorker = null;
            this.worker = null;
        } else if (b.worker != null) {
            this.ownWorker = null;
            this.worker = b.worker;
        } else {
            // Handlers may block (run a program, call a local service); virtual threads make that cheap.
            this.ownWorker = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("cm-device-worker-", 0)
                    .factory());
            this.worker = ownWorker;
        }
        this.streams = streamSettings.any()
                ? new StreamTable(streamSettings, loop, transport, this.appliance, proxy, b.tls, worker,
                        new StreamOwner())
                : null;
        this.rpc = b.rpcHandler != null
                ? new RpcCalls(b.rpcHandler, worker, loop, this::currentMaxFrameSize, this::busy) : null;
        // Binding every connection to the same loop keeps all state single-threaded without locks.
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                // Kernel keep-alive as a second line: it also covers a WELCOME that disabled application PINGs.
                .option(ChannelOption.SO_KEEPALIVE, true);
        if (proxy != null) {
            // Behind a proxy the device may not resolve outside names: the proxy resolves the appliance's host.
            bootstrap.resolver(NoopAddressResolverGroup.INSTANCE);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Begins connecting in the background. Binds the local listeners of {@link Builder#link device-initiated links}
     * first and throws when one cannot be bound; otherwise returns at once.
     */
    public DeviceClient start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("DeviceClient already started");
        }
        if (streams != null) {
            try {
                linkAddresses = List.copyOf(streams.bindLinks());
            } catch (RuntimeException e) {
                closeAsync();
                throw new IllegalStateException("cannot listen for a device-initiated link: "
                        + LinkHandler.describe(e), e);
            }
        }
        loop.execute(this::connect);
        return this;
    }

    /**
     * Sends an application message. The future completes with the message's sequence number once the appliance has
     * acknowledged it; messages sent while disconnected wait (up to the outbox capacity) and go out on reconnect.
     */
    public CompletableFuture<Long> send(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        byte[] copy = payload.clone(); // the caller may reuse its array before the message is written
        CompletableFuture<Long> acked = new CompletableFuture<>();
        onLoop(acked, () -> {
            if (state == ConnectionState.CLOSED) {
                acked.completeExceptionally(closedException());
                return;
            }
            int limit = currentMaxFrameSize() - MSG_SEQ_BYTES;
            if (copy.length > limit) {
                acked.completeExceptionally(new DeviceClientException(Kind.TOO_LARGE,
                        "payload of " + copy.length + " bytes exceeds the limit of " + limit));
                return;
            }
            Msg msg = outbox.add(copy, acked);
            if (msg == null) {
                acked.completeExceptionally(new DeviceClientException(Kind.BACKPRESSURE,
                        outbox.size() + " messages already wait for acknowledgement"));
                return;
            }
            busy();
            if (link != null && link.usable()) {
                link.channel.writeAndFlush(msg, link.channel.voidPromise());
            } else if (state == ConnectionState.DORMANT) {
                wakeFromDormant();
            }
            // Otherwise it goes out on the next WELCOME; a link being ended on demand is followed by one at once.
        });
        return acked;
    }

    /**
     * Sends a connection-manager command and completes with the appliance's answer. Fails at once with
     * {@link DeviceClientException.Kind#NOT_CONNECTED} while there is no connection: a command is about the current
     * session, so queueing it for a later one could apply a stale setting.
     */
    public CompletableFuture<CmdStatus> command(CmdOpcode op, long value) {
        Objects.requireNonNull(op, "op");
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("command value must be an unsigned 32-bit number, got " + value);
        }
        CompletableFuture<CmdStatus> result = new CompletableFuture<>();
        onLoop(result, () -> {
            if (state == ConnectionState.CLOSED) {
                result.completeExceptionally(closedException());
            } else if (link == null || !link.usable()) {
                result.completeExceptionally(new DeviceClientException(Kind.NOT_CONNECTED,
                        "not connected to the appliance (state " + state + ")"));
            } else {
                int id = commands.register(result);
                if (id < 0) {
                    result.completeExceptionally(new DeviceClientException(Kind.BACKPRESSURE,
                            "65536 commands already wait for an answer"));
                } else {
                    busy();
                    link.channel.writeAndFlush(new Cmd(id, op, value), link.channel.voidPromise());
                }
            }
        });
        return result;
    }

    /**
     * Closes the connection and stops reconnecting. Messages still waiting for acknowledgement and commands still
     * waiting for an answer fail with {@link DeviceClientException.Kind#CLOSED}. Blocks until done, except when called
     * on the client's own event loop (from a listener), where it only starts the close.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        if (!loop.inEventLoop()) {
            done.join();
        }
    }

    /** Like {@link #close()} without blocking. */
    public CompletableFuture<Void> closeAsync() {
        if (closeRequested.compareAndSet(false, true)) {
            try {
                loop.execute(this::shutdown);
            } catch (RejectedExecutionException e) {
                // The caller shut the shared group down first; nothing is left to close.
                state = ConnectionState.CLOSED;
                closed.complete(null);
            }
        }
        return closed;
    }

    /** Completes once the client has closed, without asking it to. */
    public CompletableFuture<Void> whenClosed() {
        return closed.copy();
    }

    public ConnectionState state() {
        return state;
    }

    /** The last WELCOME received, or {@code null} before the first one. */
    public Welcome welcome() {
        return welcome;
    }

    /**
     * Whether the appliance's last WELCOME asked this device to stay persistently connected (its direct address was
     * not reachable). An on-demand client then stays connected; false before the first WELCOME.
     */
    public boolean stayConnectedRequested() {
        return stayConnectedRequested;
    }

    /** Whether this client was built {@link Builder#onDemand on demand}. */
    public boolean onDemand() {
        return quietPeriod != null;
    }

    public Counters counters() {
        return new Counters(pingsSent.get(), pongsReceived.get(), reconnects.get(), sessions.get(),
                messagesAcked.get(), messagesReceived.get(), linkWakeups.get(),
                streams == null ? 0 : streams.linkWaitsFailed());
    }

    /** The bound local addresses of the {@link Builder#link device-initiated links}, in order; empty before start. */
    public List<InetSocketAddress> linkAddresses() {
        return linkAddresses;
    }

    /** The capability bits this client announces in HELLO. */
    public int capabilities() {
        return capabilities;
    }

    /** How many streams (multiplexed and data connections) are open right now. */
    public int activeStreams() {
        if (streams == null) {
            return 0;
        }
        if (loop.inEventLoop()) {
            return streams.active();
        }
        try {
            return loop.submit(streams::active).get();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The appliance address as configured (host not resolved). */
    public InetSocketAddress appliance() {
        return appliance;
    }

    public String deviceId() {
        return deviceId;
    }

    /**
     * A snapshot of the client's counters.
     *
     * @param pingsSent           PINGs written
     * @param pongsReceived       PONGs read
     * @param reconnects          connection attempts after the first
     * @param sessionsEstablished WELCOMEs received
     * @param messagesAcked       uplink messages the appliance acknowledged
     * @param messagesReceived    downlink messages read, replays included
     * @param linkWakeups         on demand: local connections to a device-initiated link that woke the dormant client
     * @param linkWaitsFailed     on demand: local link connections closed because the device link did not come up in
     *                            time (or came up without DEVICE_LINKS)
     */
    public record Counters(long pingsSent, long pongsReceived, long reconnects, long sessionsEstablished,
                           long messagesAcked, long messagesReceived, long linkWakeups, long linkWaitsFailed) {
    }

    // ---- connection lifecycle (event loop) ----

    private void connect() {
        reconnectTimer = null;
        if (state == ConnectionState.CLOSED) {
            return;
        }
        if (connectAttempts++ > 0) {
            reconnects.incrementAndGet();
        }
        changeState(StateChange.connecting(backoff.attempt()));
        Link newLink = new Link();
        link = newLink;
        ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // Inbound bytes: decoder -> link; outbound frames: encoder. The link handler is last so it sees only
                // whole frames or a single ProtocolViolation.
                // A proxy goes first: it sees the raw connection and holds our writes until its tunnel is up.
                if (proxy != null) {
                    ch.pipeline().addLast("proxy", proxy.newHandler());
                }
                // TLS inside the proxy's tunnel, outside the frames: the appliance's TLS port carries the same bytes.
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch, appliance));
                }
                ch.pipeline()
                        .addLast("decoder", new FrameDecoder(maxFrameSize))
                        .addLast("encoder", FrameEncoder.INSTANCE)
                        .addLast("link", new LinkHandler(DeviceClient.this, newLink));
            }
        }).connect(appliance); // Bootstrap resolves the host name on every attempt
        // Safe to set only now: this runs on the event loop, so no read can reach the link before it returns.
        newLink.channel = connecting.channel();
        connecting.addListener(c -> onConnected(newLink, c.isSuccess(), c.cause()));
    }

    private void onConnected(Link l, boolean success, Throwable failure) {
        if (!success) {
            l.channel.close();
            linkEnded(l, DisconnectCause.of(DisconnectCause.Kind.CONNECT_FAILED, LinkHandler.describe(failure)));
            return;
        }
        if (l != link) {
            l.channel.close();
            return;
        }
        // With the token goes what was delivered, so the appliance replays only what the application has not seen.
        Hello hello = new Hello(Wire.PROTOCOL_VERSION, requestedKeepAliveSeconds, capabilities, deviceId, credential,
                resumeToken, quietPeriod != null, directAddress,
                resumeToken.length > 0 ? lastDeliveredDownlink : Hello.NO_DELIVERED_SEQ);
        l.channel.writeAndFlush(hello, l.channel.voidPromise());
        l.handshakeTimer = loop.schedule(() -> l.end(DisconnectCause.of(DisconnectCause.Kind.HANDSHAKE_TIMEOUT,
                "no WELCOME or REJECT within " + handshakeTimeout.toMillis() + " ms")),
                handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The one place a link ends: picks the next delay and schedules the next attempt. Idempotent per link. */
    private void linkEnded(Link l, DisconnectCause fallback) {
        if (l != link) {
            return;
        }
        link = null;
        l.cancelTimers();
        if (streams != null) {
            streams.linkDown();
        }
        DisconnectCause cause = l.cause != null ? l.cause : fallback;
        if (state == ConnectionState.CLOSED) {
            return;
        }
        commands.failAll(new DeviceClientException(Kind.CONNECTION_LOST,
                "connection lost before the appliance answered: " + cause.detail()));
        if (cause.kind() == DisconnectCause.Kind.ON_DEMAND_QUIET) {
            // A message or a local link connection that came while the link was being ended needs it back at once.
            boolean waiting = outbox.size() > 0 || (streams != null && streams.waitingForLink() > 0);
            Duration delay = waiting ? Duration.ZERO : reconnectInterval;
            changeState(StateChange.dormant(delay, cause));
            reconnectTimer = loop.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        Duration delay;
        if (cause.isPermanent()) {
            delay = backoff.afterPermanentRejection();
            log.error("appliance {} refuses device {}: {}; this will not fix itself (check the device id and token,"
                            + " or the appliance's provisioning), retrying only every {} s",
                    hostPort(), deviceId, cause.detail(), delay.toSeconds());
        } else if (cause.kind() == DisconnectCause.Kind.GOAWAY) {
            delay = backoff.afterGoAway(cause.reconnectAfter());
        } else {
            delay = backoff.afterFailure();
        }
        changeState(StateChange.backingOff(delay, cause));
        reconnectTimer = loop.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void shutdown() {
        DisconnectCause cause = DisconnectCause.of(DisconnectCause.Kind.CLIENT_CLOSED, "closed by the application");
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
            reconnectTimer = null;
        }
        changeState(StateChange.closed(cause));
        DeviceClientException closedException = closedException();
        outbox.failAll(closedException);
        commands.failAll(closedException);
        if (streams != null) {
            streams.close();
        }
        if (ownWorker != null) {
            ownWorker.shutdownNow();
        }
        Link l = link;
        link = null;
        if (l == null) {
            releaseGroup();
            return;
        }
        l.cancelTimers();
        l.cause = cause;
        l.channel.close().addListener(f -> releaseGroup());
    }

    private void releaseGroup() {
        if (ownGroup == null) {
            closed.complete(null);
        } else {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> closed.complete(null));
        }
    }

    // ---- events from the link (event loop) ----

    void onFrame(Link l, Frame frame) {
        if (l != link) {
            return;
        }
        if (l.keepAlive != null) {
            l.keepAlive.frameReceived();
        }
        if (!l.welcomed) {
            switch (frame) {
                case Welcome w -> onWelcome(l, w);
                case Reject r -> onReject(l, r);
                case GoAway g -> onGoAway(l, g);
                case Hello _, Ping _, Pong _, Msg _, Ack _, Cmd _, CmdResult _, StreamOpen _, StreamOpenResult _,
                     StreamData _, StreamWindow _, StreamClose _, StreamReset _, ConnectRequest _, StreamAttach _,
                     RpcRequest _, RpcResponse _ -> unexpected(l, frame);
            }
            ReferenceCountUtil.release(frame);
            return;
        }
        if (!(frame instanceof Ping || frame instanceof Pong)) {
            busy();
        }
        switch (frame) {
            case Ping _ -> l.channel.write(Pong.INSTANCE, l.channel.voidPromise());
            case Pong _ -> pongsReceived.incrementAndGet();
            case Msg m -> onDownlink(l, m);
            case Ack a -> messagesAcked.addAndGet(outbox.acknowledge(a.seq()));
            case CmdResult r -> {
                if (!commands.complete(r.id(), r.status())) {
                    log.debug("CMD_RESULT for unknown command id {} ignored", r.id());
                }
            }
            case GoAway g -> onGoAway(l, g);
            case Hello _, Welcome _, Reject _, Cmd _, StreamAttach _, RpcResponse _ -> unexpected(l, frame);
            // Each returns false when the capabilities both sides announced do not allow the frame.
            case StreamOpen o -> expected(l, frame, streams != null && streams.onOpen(o));
            case StreamOpenResult r -> expected(l, frame, streams != null && streams.onOpenResult(r));
            case StreamData d -> expected(l, frame, streams != null && streams.onData(d));
            case StreamWindow w -> expected(l, frame, streams != null && streams.onWindow(w));
            case StreamClose c -> expected(l, frame, streams != null && streams.onClose(c));
            case StreamReset r -> expected(l, frame, streams != null && streams.onReset(r));
            case ConnectRequest c -> expected(l, frame, streams != null && streams.onConnectRequest(c));
            case RpcRequest r -> {
                boolean allowed = rpc != null && (negotiated() & Capabilities.RPC) != 0;
                if (allowed) {
                    rpc.onRequest(l.channel, r);
                }
                expected(l, frame, allowed);
            }
        }
    }

    /** A stream or RPC frame the negotiated capabilities do not allow ends the link, like any unexpected frame. */
    private void expected(Link l, Frame frame, boolean handled) {
        if (!handled) {
            ReferenceCountUtil.release(frame);
            unexpected(l, frame);
        }
    }

    /** A stream frame that breaks the protocol in a way no STREAM_RESET can answer. */
    private void streamViolation(String detail) {
        Link l = link;
        if (l != null) {
            log.warn("appliance {} broke the stream protocol: {}", hostPort(), detail);
            l.end(DisconnectCause.of(DisconnectCause.Kind.PROTOCOL_VIOLATION, ReasonCode.PROTOCOL_ERROR, detail));
        }
    }

    private int negotiated() {
        Welcome w = welcome;
        return w == null ? 0 : w.capabilities() & capabilities;
    }

    void onViolation(Link l, ProtocolViolation violation) {
        if (l == link) {
            l.end(DisconnectCause.of(DisconnectCause.Kind.PROTOCOL_VIOLATION, violation.reason(),
                    "appliance sent a malformed frame: " + violation.detail()));
        }
    }

    void onReadComplete(Link l) {
        if (l != link) {
            return;
        }
        if (l.ackDue) {
            l.ackDue = false;
            l.channel.write(new Ack(lastDeliveredDownlink), l.channel.voidPromise());
        }
        l.channel.flush();
        if (streams != null) {
            streams.flushLocals(); // what this read's STREAM_DATA wrote to local sockets, one flush each
        }
    }

    /** The link's outbound buffer crossed a water mark: local sockets pause or resume with it. */
    void onWritabilityChanged(Link l) {
        if (l == link && l.welcomed && streams != null) {
            streams.linkWritabilityChanged();
        }
    }

    void onLinkClosed(Link l) {
        linkEnded(l, DisconnectCause.of(DisconnectCause.Kind.CONNECTION_LOST, "connection closed by the appliance"));
    }

    private void onWelcome(Link l, Welcome w) {
        l.welcomed = true;
        l.handshakeTimer.cancel(false);
        welcome = w;
        resumeToken = w.resumeToken().length == Wire.RESUME_TOKEN_BYTES ? w.resumeToken().clone() : new byte[0];
        List<Msg> resend;
        if (w.resumed()) {
            resend = outbox.resume(w.lastUplinkSeq());
        } else {
            resend = outbox.restartSession();
            lastDeliveredDownlink = 0;
        }
        for (Msg m : resend) {
            l.channel.write(m, l.channel.voidPromise());
        }
        l.channel.flush();
        sessions.incrementAndGet();
        backoff.connected();
        if (streams != null) {
            streams.linkUp(l.channel, w.capabilities() & capabilities, w.maxFrameSize());
        }
        if (w.keepAliveSeconds() > 0) {
            Duration interval = Duration.ofSeconds(w.keepAliveSeconds());
            l.keepAlive = new KeepAlive(ticker, interval);
            l.keepAliveTask = loop.scheduleAtFixedRate(() -> keepAliveTick(l),
                    interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        }
        boolean wasAsked = stayConnectedRequested;
        stayConnectedRequested = w.stayConnected();
        if (quietPeriod != null && w.stayConnected() != wasAsked) {
            if (w.stayConnected()) {
                log.info("appliance {} asks device {} to stay connected (servers cannot reach it directly): "
                        + "switching from on-demand to persistent operation", hostPort(), deviceId);
            } else {
                log.info("appliance {} no longer asks device {} to stay connected: back to on-demand operation",
                        hostPort(), deviceId);
            }
        }
        busy();
        if (quietPeriod != null && !w.stayConnected()) {
            scheduleQuietCheck(l, quietPeriod);
        }
        changeState(StateChange.connected(w));
    }

    // ---- on-demand operation (event loop) ----

    private void busy() {
        lastBusyNanos = ticker.nanoTime();
    }

    private void scheduleQuietCheck(Link l, Duration after) {
        l.quietTimer = loop.schedule(() -> quietCheck(l), after.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Ends the link once nothing has happened for the quiet period and nothing is outstanding: no unacknowledged
     * message, no command or RPC waiting for its answer, no open stream or unanswered connect request, and no byte
     * still waiting to be written (a large RPC answer on a slow link). Answers, stream ends and ACKs count as business,
     * so the quiet period starts again after the last of them.
     */
    private void quietCheck(Link l) {
        if (l != link || stayConnectedRequested) {
            return;
        }
        boolean outstanding = outbox.size() > 0 || commands.size() > 0 || (rpc != null && rpc.inFlight() > 0)
                || (streams != null && streams.outstanding() > 0) || unwrittenBytes(l) > 0;
        long quietFor = ticker.nanoTime() - lastBusyNanos;
        if (outstanding || quietFor < quietPeriod.toNanos()) {
            scheduleQuietCheck(l, outstanding ? quietPeriod : quietPeriod.minusNanos(quietFor));
            return;
        }
        log.debug("device {}: on demand, nothing to do for {} ms: disconnecting", deviceId, quietPeriod.toMillis());
        l.end(DisconnectCause.of(DisconnectCause.Kind.ON_DEMAND_QUIET,
                "on demand: nothing to do for " + quietPeriod.toMillis() + " ms"));
        if (streams != null) {
            // No stream is open, or it would not be quiet: a local link connection from now on waits for the next link.
            streams.linkDown();
        }
    }

    private static long unwrittenBytes(Link l) {
        ChannelOutboundBuffer out = l.channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /**
     * A local program connected to a device-initiated link while there is no device link. An on-demand client lets it
     * wait for the next link, and connects at once when it is dormant; a persistent client has it closed.
     */
    private boolean awaitLink(LocalLink l) {
        if (quietPeriod == null || state == ConnectionState.CLOSED) {
            return false;
        }
        if (state == ConnectionState.DORMANT) {
            linkWakeups.incrementAndGet();
            log.debug("device {}: local connection to link {}: connecting now", deviceId, l.service());
            wakeFromDormant();
        }
        return true;
    }

    /** The stream table's view of this client; on the event loop. */
    private final class StreamOwner implements StreamTable.Owner {
        @Override
        public void streamViolation(String detail) {
            DeviceClient.this.streamViolation(detail);
        }

        @Override
        public void streamActivity() {
            busy();
        }

        @Override
        public boolean awaitLink(LocalLink l) {
            return DeviceClient.this.awaitLink(l);
        }
    }

    /** Something to do while dormant: connect now instead of at the end of the interval. */
    private void wakeFromDormant() {
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
            reconnectTimer = null;
        }
        connect();
    }

    private void keepAliveTick(Link l) {
        if (l != link) {
            return;
        }
        switch (l.keepAlive.onTick()) {
            case PING -> {
                l.channel.writeAndFlush(Ping.INSTANCE, l.channel.voidPromise());
                pingsSent.incrementAndGet();
            }
            case DEAD -> l.end(DisconnectCause.of(DisconnectCause.Kind.PEER_SILENT,
                    "nothing from the appliance for " + l.keepAlive.silence().toMillis() + " ms"));
        }
    }

    private void onReject(Link l, Reject r) {
        ReasonCode reason = r.reason();
        String name = reason != null ? reason.name() : "code " + r.reasonCode();
        String detail = "rejected: " + name + (r.message().isEmpty() ? "" : " (" + r.message() + ")");
        if (!DisconnectCause.of(DisconnectCause.Kind.REJECTED, reason, detail).isPermanent()) {
            log.warn("appliance {} rejected device {}: {}", hostPort(), deviceId, detail);
        }
        l.end(DisconnectCause.of(DisconnectCause.Kind.REJECTED, reason, detail));
    }

    private void onGoAway(Link l, GoAway g) {
        notifyListeners(listener -> listener.onGoAway(g));
        ReasonCode reason = g.reason();
        String name = reason != null ? reason.name() : "code " + g.reasonCode();
        l.end(new DisconnectCause(DisconnectCause.Kind.GOAWAY, reason, Duration.ofMillis(g.reconnectAfterMillis()),
                "goaway: " + name + (g.message().isEmpty() ? "" : " (" + g.message() + ")")));
    }

    private void onDownlink(Link l, Msg m) {
        messagesReceived.incrementAndGet();
        // A resumed session may replay what was delivered but not yet acknowledged: acknowledge, do not redeliver.
        if (m.seq() > lastDeliveredDownlink) {
            notifyListeners(listener -> listener.onMessage(m.seq(), m.payload()));
            lastDeliveredDownlink = m.seq();
        }
        l.ackDue = true;
    }

    private void unexpected(Link l, Frame frame) {
        l.end(DisconnectCause.of(DisconnectCause.Kind.PROTOCOL_VIOLATION, ReasonCode.UNEXPECTED_FRAME,
                frame.type() + " not allowed " + (l.welcomed ? "after" : "before") + " WELCOME"));
    }

    // ---- helpers ----

    private void changeState(StateChange change) {
        state = change.state();
        log.debug("device {}: {}", deviceId, change);
        notifyListeners(listener -> listener.onStateChange(change));
    }

    private void notifyListeners(Consumer<DeviceClientListener> call) {
        for (DeviceClientListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.warn("device client listener {} failed", listener.getClass().getName(), e);
            }
        }
    }

    private void onLoop(CompletableFuture<?> result, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(closedException());
        }
    }

    private int currentMaxFrameSize() {
        Welcome w = welcome;
        return w != null ? w.maxFrameSize() : Wire.DEFAULT_MAX_FRAME_SIZE;
    }

    private DeviceClientException closedException() {
        return new DeviceClientException(Kind.CLOSED, "device client is closed");
    }

    private String hostPort() {
        return appliance.getHostString() + ":" + appliance.getPort();
    }

    /** Options of a {@link DeviceClient}; {@link #build()} checks them all. */
    public static final class Builder {
        public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
        public static final int DEFAULT_OUTBOX_CAPACITY = 1024;
        public static final int DEFAULT_MAX_STREAMS = 256;
        public static final Duration DEFAULT_LOCAL_CONNECT_TIMEOUT = Duration.ofSeconds(5);
        /** Smallest stream window: below a few KiB every round trip stalls the stream. */
        public static final int MIN_STREAM_WINDOW = 1024;

        private String host;
        private int port;
        private String deviceId;
        private String token = "";
        private int keepAliveSeconds;
        private int capabilities = Capabilities.CM_COMMANDS;
        private ReconnectPolicy policy = ReconnectPolicy.DEFAULT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxFrameSize = Wire.DEFAULT_MAX_FRAME_SIZE;
        private int outboxCapacity = DEFAULT_OUTBOX_CAPACITY;
        private EventLoopGroup group;
        private Transport transport;
        private RandomGenerator random;
        private Ticker ticker;
        private final List<DeviceClientListener> listeners = new ArrayList<>();
        private final Map<Integer, Exposure> exposures = new LinkedHashMap<>();
        private final List<LocalLink> links = new ArrayList<>();
        private StreamMode streamMode = StreamMode.MULTIPLEXED;
        private int streamWindow = Wire.DEFAULT_STREAM_WINDOW;
        private int maxStreams = DEFAULT_MAX_STREAMS;
        private boolean dataConnectionSplice = true;
        private Duration localConnectTimeout = DEFAULT_LOCAL_CONNECT_TIMEOUT;
        private ConnectRequestHandler connectRequestHandler;
        private RpcHandler rpcHandler;
        private Executor worker;
        private OutboundProxy proxy;
        private LinkTls tls;
        private Duration quietPeriod;
        private Duration reconnectInterval;
        private String directAddress;
        private final List<String> duplicateExposures = new ArrayList<>();

        private Builder() {
        }

        /** The appliance's device-link address. The host is resolved again on every attempt. */
        public Builder appliance(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        public Builder deviceId(String deviceId) {
            this.deviceId = deviceId;
            return this;
        }

        /** The device's token, sent as UTF-8 in HELLO. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Keep-alive interval to ask for; 0 (the default) lets the appliance choose. */
        public Builder keepAliveSeconds(int seconds) {
            this.keepAliveSeconds = seconds;
            return this;
        }

        /**
         * {@link Capabilities} bits announced in HELLO; default {@link Capabilities#CM_COMMANDS}. The bits of features
         * configured on this builder (streams, RPC, ...) are added to these automatically.
         */
        public Builder capabilities(int capabilities) {
            this.capabilities = capabilities;
            return this;
        }

        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Shorthand for a {@link ReconnectPolicy} with the default stability threshold. */
        public Builder backoff(Duration initial, Duration cap) {
            return reconnectPolicy(new ReconnectPolicy(initial, cap, ReconnectPolicy.DEFAULT_STABLE_AFTER));
        }

        /** How long to wait for WELCOME or REJECT after connecting. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Largest frame payload accepted from the appliance. */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** How many sent messages may wait for acknowledgement before {@link #send} refuses more. */
        public Builder outboxCapacity(int messages) {
            this.outboxCapacity = messages;
            return this;
        }

        /** Runs on a loop of this group (the caller shuts it down); otherwise the client makes a 1-thread group. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** Transport of the client's own group; default {@link Transport#best()}. Ignored with a supplied group. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** Source of backoff jitter; tests pass a seeded one. */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /** Clock of the keep-alive and stability decisions; default the event loop's. */
        public Builder ticker(Ticker ticker) {
            this.ticker = ticker;
            return this;
        }

        /**
         * Lets the appliance open streams to {@code exposure.port()}; the client connects to the exposure's target.
         * Announces {@link Capabilities#STREAMS} (or {@link Capabilities#DATA_CONNECTIONS}, see {@link #streamMode}).
         * The exposed ports are also the ones CONNECT_REQUESTs are passed on for.
         */
        public Builder expose(Exposure exposure) {
            Objects.requireNonNull(exposure, "exposure");
            if (exposures.put(exposure.port(), exposure) != null) {
                duplicateExposures.add(String.valueOf(exposure.port()));
            }
            return this;
        }

        /** Exposes {@code port} on 127.0.0.1 under the same number. */
        public Builder expose(int port) {
            return expose(Exposure.local(port));
        }

        /**
         * How this device wants appliance-opened streams to travel: {@link StreamMode#MULTIPLEXED} (the default,
         * STREAM_DATA on this connection, announces STREAMS) or {@link StreamMode#DATA_CONNECTION} (a new TCP
         * connection per stream, announces DATA_CONNECTIONS). The appliance picks the mode of each STREAM_OPEN from
         * the announced bit; the client accepts a mode only if its bit was negotiated.
         */
        public Builder streamMode(StreamMode mode) {
            this.streamMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Bytes the appliance may send on a stream before the client grants more; default 256 KiB. */
        public Builder streamWindow(int bytes) {
            this.streamWindow = bytes;
            return this;
        }

        /** Concurrent streams of all kinds; more are refused with TOO_MANY_STREAMS. Default 256. */
        public Builder maxStreams(int streams) {
            this.maxStreams = streams;
            return this;
        }

        /**
         * Whether a data connection and its local connection are joined with splice(2), so the bytes stay in the
         * kernel (epoll only; NIO always copies). Default true; false copies them through the JVM.
         */
        public Builder dataConnectionSplice(boolean splice) {
            this.dataConnectionSplice = splice;
            return this;
        }

        /** How long to wait for a local service to accept (then UNREACHABLE), and for a data connection. */
        public Builder localConnectTimeout(Duration timeout) {
            this.localConnectTimeout = timeout;
            return this;
        }

        /**
         * A device-initiated link: the client listens on the link's local address, and each local connection becomes
         * a stream to the named back-end service. Announces {@link Capabilities#DEVICE_LINKS}.
         */
        public Builder link(LocalLink link) {
            links.add(Objects.requireNonNull(link, "link"));
            return this;
        }

        /**
         * Passes CONNECT_REQUESTs for exposed ports to the application instead of connecting locally (a
         * connection-initiating device). Announces {@link Capabilities#CONNECT_REQUESTS}.
         */
        public Builder connectRequestHandler(ConnectRequestHandler handler) {
            this.connectRequestHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Answers RPC_REQUESTs. Announces {@link Capabilities#RPC}. */
        public Builder rpcHandler(RpcHandler handler) {
            this.rpcHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Where RPC handlers and connect-request handlers run; default a virtual thread per call, owned by the
         * client. Never the event loop: handlers may block.
         */
        public Builder workerExecutor(Executor executor) {
            this.worker = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Speak TLS to the appliance (its TLS device port), on the link and on every data connection; null = plain.
         */
        public Builder tls(LinkTls tls) {
            this.tls = tls;
            return this;
        }

        /** Reach the appliance (and open data connections) through this HTTP CONNECT or SOCKS5 proxy. */
        public Builder proxy(OutboundProxy proxy) {
            this.proxy = proxy;
            return this;
        }

        /**
         * On-demand operation (docs/protocol.md section 6.11): announce {@code on_demand} in HELLO, disconnect once
         * nothing has happened for {@code quietPeriod} (no message, command, stream or RPC, nothing outstanding), and
         * connect again after {@code reconnectInterval}, or at once when {@link #send} has a message or a local
         * program connects to a {@link #link device-initiated link}. Such a local connection waits for the device
         * link (at most the connect timeout plus the handshake timeout) and then gets its stream; if the link does not
         * come, it is closed. A WELCOME that asks the device to stay connected turns this off until a WELCOME comes
         * without the request.
         */
        public Builder onDemand(Duration quietPeriod, Duration reconnectInterval) {
            this.quietPeriod = Objects.requireNonNull(quietPeriod, "quietPeriod");
            this.reconnectInterval = Objects.requireNonNull(reconnectInterval, "reconnectInterval");
            return this;
        }

        /**
         * Announces where servers can reach this device directly: {@code HOST}, {@code HOST:PORT}, {@code [IPV6]} or
         * {@code [IPV6]:PORT} (docs/protocol.md section 5.1). The appliance dials it before it relays a request
         * through this client, and asks the device to stay connected once it fails often enough.
         */
        public Builder directAddress(String hostOrHostPort) {
            this.directAddress = hostOrHostPort;
            return this;
        }

        /** Adds a listener; listeners are called in the order they were added. */
        public Builder listener(DeviceClientListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public DeviceClient build() {
            List<String> errors = new ArrayList<>();
            if (host == null || host.isBlank()) {
                errors.add("appliance host is required");
            }
            if (port < 1 || port > 65535) {
                errors.add("appliance port must be 1..65535, got " + port);
            }
            if (!DeviceIds.isValid(deviceId)) {
                errors.add("device id must be 1.." + Wire.MAX_DEVICE_ID_BYTES
                        + " bytes of UTF-8 without whitespace, control characters or slashes");
            }
            if (token == null || token.getBytes(StandardCharsets.UTF_8).length > Wire.MAX_CREDENTIAL_BYTES) {
                errors.add("token must be at most " + Wire.MAX_CREDENTIAL_BYTES + " bytes of UTF-8");
            }
            if (keepAliveSeconds < 0 || keepAliveSeconds > 0xFFFF) {
                errors.add("keep-alive must be 0..65535 s, got " + keepAliveSeconds);
            }
            if (handshakeTimeout == null || handshakeTimeout.toMillis() < 1) {
                errors.add("handshake timeout must be at least 1 ms");
            }
            if (connectTimeout == null || connectTimeout.toMillis() < 1) {
                errors.add("connect timeout must be at least 1 ms");
            }
            if (maxFrameSize < MSG_SEQ_BYTES || maxFrameSize > Wire.MAX_LENGTH_FIELD) {
                errors.add("max frame size must be " + MSG_SEQ_BYTES + ".." + Wire.MAX_LENGTH_FIELD);
            }
            if (outboxCapacity < 1) {
                errors.add("outbox capacity must be at least 1");
            }
            if (!duplicateExposures.isEmpty()) {
                errors.add("port exposed more than once: " + String.join(", ", duplicateExposures));
            }
            if (streamWindow < MIN_STREAM_WINDOW) {
                errors.add("stream window must be at least " + MIN_STREAM_WINDOW + " bytes, got " + streamWindow);
            }
            if (maxStreams < 1) {
                errors.add("max streams must be at least 1");
            }
            if (localConnectTimeout == null || localConnectTimeout.toMillis() < 1) {
                errors.add("local connect timeout must be at least 1 ms");
            }
            if (quietPeriod != null && (quietPeriod.toMillis() < 1 || reconnectInterval.toMillis() < 1)) {
                errors.add("on-demand quiet period and reconnect interval must be at least 1 ms");
            }
            if (directAddress != null && DirectAddress.problem(directAddress) != null) {
                errors.add(DirectAddress.problem(directAddress));
            }
            if (connectRequestHandler != null && exposures.isEmpty()) {
                errors.add("connect requests need at least one exposed port to pass on");
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("invalid device client options: " + String.join("; ", errors));
            }
            return new DeviceClient(this);
        }
    }
}
