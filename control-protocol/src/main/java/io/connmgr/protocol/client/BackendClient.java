package io.connmgr.protocol.client;

import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.BackendFrame.EventLoss;
import io.connmgr.protocol.backend.BackendFrame.GoAway;
import io.connmgr.protocol.backend.BackendFrame.Hello;
import io.connmgr.protocol.backend.BackendFrame.Ping;
import io.connmgr.protocol.backend.BackendFrame.Request;
import io.connmgr.protocol.backend.BackendFrame.Result;
import io.connmgr.protocol.backend.BackendFrame.StreamData;
import io.connmgr.protocol.backend.BackendFrame.StreamReset;
import io.connmgr.protocol.backend.BackendFrame.StreamWindow;
import io.connmgr.protocol.backend.BackendFrame.Welcome;
import io.connmgr.protocol.backend.BackendFrameDecoder;
import io.connmgr.protocol.backend.BackendFrameEncoder;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java client of the appliance's back-end control channel (docs/backend-client.md): the seed's "CM-aware server".
 * Sends messages, calls RPCs, sets device settings, subscribes to uplink and presence events, and opens streams to
 * device ports, over one TCP connection that it re-establishes with full-jitter backoff, renewing every subscription.
 *
 * <p>Every method is thread-safe and non-blocking except the streams' {@code InputStream}/{@code OutputStream}.
 * Requests made while disconnected fail at once with {@link BackendException.Disconnected}; a request whose channel
 * breaks before its answer fails the same way (use an idempotency key to retry SENDs safely).
 */
public final class BackendClient implements AutoCloseable {
    private final Builder config;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final Map<Integer, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
    private final Map<ClientSubscription, Boolean> subscriptions = new ConcurrentHashMap<>();
    private final Map<Integer, BackendStream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextRequestId = new AtomicInteger();
    private final AtomicInteger nextStreamId = new AtomicInteger();
    private final CompletableFuture<Void> firstWelcome = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile Welcome welcome;
    private volatile boolean closed;
    private int attempt;

    private BackendClient(Builder b) {
        this.config = b;
        this.ownGroup = b.group == null;
        this.group = ownGroup
                ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("backend-client", true),
                        NioIoHandler.newFactory())
                : b.group;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Connects; the future completes at the first WELCOME, or fails if the first attempt is refused or fails. */
    public CompletableFuture<Void> connect() {
        dial();
        return firstWelcome;
    }

    /** True between WELCOME and the loss of the connection. */
    public boolean isConnected() {
        Channel c = channel;
        return c != null && c.isActive() && welcome != null;
    }

    /** The WELCOME of the current connection, or {@code null}. */
    public Welcome welcome() {
        return welcome;
    }

    // ---- requests ----

    /**
     * Queues {@code payload} for the device; completes with the message id once the appliance has stored it durably.
     *
     * @param ttl            how long the message may wait for the device; {@code null} for the appliance's default
     * @param idempotencyKey {@code null} for none; a repeated key completes with the first message id
     */
    public CompletableFuture<String> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey) {
        long ttlMillis = ttl == null ? 0 : ttl.toMillis();
        return request(id -> new BackendFrame.Send(id, deviceId, ttlMillis, idempotencyKey == null ? "" : idempotencyKey,
                payload)).thenApply(r -> new String(r.body(), StandardCharsets.UTF_8));
    }

    /** Calls {@code method} on the device; fails with {@link BackendException.Timeout}, {@code UnknownDevice}, ... */
    public CompletableFuture<byte[]> rpc(String deviceId, String method, byte[] body, Duration timeout) {
        return request(id -> new BackendFrame.Rpc(id, deviceId, method, timeout.toMillis(), body)).thenApply(Result::body);
    }

    /** Sets the device's connection-manager settings; null fields stay unchanged. */
    public CompletableFuture<Void> settings(String deviceId, DeviceSettings settings) {
        return request(id -> new BackendFrame.Settings(id, deviceId, settings)).thenApply(r -> null);
    }

    /** Subscribes; the subscription is renewed after every reconnect until closed. */
    public CompletableFuture<Subscription> subscribe(EventListener listener, EventFilter filter) {
        ClientSubscription s = new ClientSubscription(Objects.requireNonNull(listener), filter);
        subscriptions.put(s, true);
        return s.register().thenApply(v -> (Subscription) s).whenComplete((v, failure) -> {
            if (failure != null) {
                subscriptions.remove(s);
            }
        });
    }

    /**
     * Opens a stream to {@code port} on the device; the stream offers a blocking {@code InputStream} and
     * {@code OutputStream}, with the channel's flow control behind them.
     */
    public CompletableFuture<BackendStream> openStream(String deviceId, int port) {
        int streamId = nextStreamId.updateAndGet(i -> i == Integer.MAX_VALUE ? 1 : i + 1);
        Channel c = channel;
        BackendStream stream = new BackendStream(streamId, c, config.streamWindow, () -> forget(streamId));
        streams.put(streamId, stream);
        return request(id -> new BackendFrame.StreamOpen(id, streamId, config.streamWindow, port, deviceId))
                .thenApply(r -> {
                    stream.opened(ByteBuffer.wrap(r.body()).getInt() & 0xFFFF_FFFFL);
                    return stream;
                }).whenComplete((s, failure) -> {
                    if (failure != null) {
                        streams.remove(streamId);
                    }
                });
    }

    private void forget(int streamId) {
        streams.remove(streamId);
    }

    private CompletableFuture<Result> request(java.util.function.IntFunction<Request> build) {
        Channel c = channel;
        if (closed || c == null || !c.isActive() || welcome == null) {
            return CompletableFuture.failedFuture(new BackendException.Disconnected("not connected to the appliance"));
        }
        int id = nextRequestId.incrementAndGet();
        CompletableFuture<Result> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Request frame;
        try {
            frame = build.apply(id);
        } catch (RuntimeException e) {
            pending.remove(id);
            return CompletableFuture.failedFuture(e);
        }
        c.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                fail(id, new BackendException.Disconnected("write failed: " + f.cause()));
            }
        });
        return answer.thenApply(r -> {
            if (r.status() != BackendStatus.OK) {
                throw BackendException.of(r.status(), new String(r.body(), StandardCharsets.UTF_8));
            }
            return r;
        });
    }

    private void fail(int id, Throwable cause) {
        CompletableFuture<Result> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    // ---- connection ----

    private void dial() {
        if (closed) {
            return;
        }
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        long keepAlive = config.keepAlive.toMillis();
                        if (config.tls != null) { // TLS first: everything after it is the same protocol as plain
                            ch.pipeline().addLast("tls", config.tls.newHandler(ch.alloc(), config.host, config.port));
                        }
                        ch.pipeline().addLast(BackendFrameEncoder.INSTANCE,
                                new BackendFrameDecoder(Wire.MAX_LENGTH_FIELD, BackendFrameDecoder.Side.BACKEND),
                                new IdleStateHandler(3 * keepAlive, keepAlive, 0, TimeUnit.MILLISECONDS),
                                new Handler());
                    }
                })
                .connect(config.host, config.port).addListener(f -> {
                    if (!f.isSuccess()) {
                        if (!firstWelcome.isDone() && !config.reconnect) {
                            firstWelcome.completeExceptionally(f.cause());
                        }
                        scheduleReconnect();
                    }
                });
    }

    private void scheduleReconnect() {
        if (closed || !config.reconnect) {
            return;
        }
        // Full jitter: uniform in [0, min(max, min * 2^attempt)], so a fleet of back-ends does not return in step.
        long cap = Math.min(config.backoffMax.toMillis(), config.backoffMin.toMillis() << Math.min(attempt, 20));
        attempt++;
        long delay = ThreadLocalRandom.current().nextLong(cap + 1);
        group.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        Handler() {
            super(false);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.writeAndFlush(new Hello(BackendWire.VERSION, config.capabilities, config.name,
                    config.token.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            switch (msg) {
                case Welcome w -> {
                    welcome = w;
                    attempt = 0;
                    for (ClientSubscription s : subscriptions.keySet()) {
                        s.register(); // renew after a reconnect
                    }
                    firstWelcome.complete(null);
                }
                case GoAway g -> {
                    BackendException.Refused refused = new BackendException.Refused(g.reason(), g.message());
                    if (!firstWelcome.isDone() && welcome == null) {
                        firstWelcome.completeExceptionally(refused);
                    }
                    ctx.close();
                }
                case Ping p -> {
                    if (!p.ack()) {
                        ctx.writeAndFlush(new Ping(true, p.data()));
                    }
                }
                case Result r -> {
                    CompletableFuture<Result> f = pending.remove(r.requestId());
                    if (f != null) {
                        f.complete(r);
                    }
                }
                case DeviceEvent e -> {
                    for (ClientSubscription s : subscriptions.keySet()) {
                        if (s.filter.matches(e)) {
                            s.listener.onEvent(e);
                        }
                    }
                }
                case EventLoss l -> subscriptions.keySet().forEach(s -> s.listener.onLoss(l.dropped()));
                case StreamData d -> {
                    BackendStream s = streams.get(d.streamId());
                    if (s == null) {
                        d.release();
                    } else {
                        s.onData(d);
                    }
                }
                case StreamWindow w -> {
                    BackendStream s = streams.get(w.streamId());
                    if (s != null) {
                        s.onWindow(w.increment());
                    }
                }
                case StreamReset r -> {
                    BackendStream s = streams.remove(r.streamId());
                    if (s != null) {
                        s.onReset(r.reason().description());
                    }
                }
                case ProtocolViolation v -> ctx.close();
                case BackendFrame f -> ctx.close(); // a frame only a back-end sends: the decoder already refuses them
                default -> ctx.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle) {
                switch (idle.state()) {
                    case READER_IDLE -> ctx.close();
                    case WRITER_IDLE -> ctx.writeAndFlush(new Ping(false, System.nanoTime()));
                    case ALL_IDLE -> { }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            welcome = null;
            BackendException.Disconnected lost = new BackendException.Disconnected("connection to the appliance lost");
            for (Integer id : pending.keySet()) {
                fail(id, lost);
            }
            for (BackendStream s : streams.values()) {
                s.onReset("connection to the appliance lost");
            }
            streams.clear();
            scheduleReconnect();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class ClientSubscription implements Subscription {
        final EventListener listener;
        final EventFilter filter;
        volatile int id;
        volatile boolean cancelled;

        ClientSubscription(EventListener listener, EventFilter filter) {
            this.listener = listener;
            this.filter = filter;
        }

        CompletableFuture<Void> register() {
            return request(rid -> {
                id = rid;
                return new BackendFrame.Subscribe(rid, filter);
            }).thenApply(r -> null);
        }

        @Override
        public EventFilter filter() {
            return filter;
        }

        @Override
        public void close() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            subscriptions.remove(this);
            if (isConnected()) {
                request(rid -> new BackendFrame.Unsubscribe(rid, id));
            }
        }
    }

    /** Closes the connection and stops reconnecting; pending requests fail with {@code Disconnected}. */
    @Override
    public void close() {
        closed = true;
        Channel c = channel;
        if (c != null) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Settings of a {@link BackendClient}. */
    public static final class Builder {
        private String host = "localhost";
        private int port = BackendWire.DEFAULT_PORT;
        private String name;
        private String token = "";
        private EventLoopGroup group;
        private io.netty.handler.ssl.SslContext tls;
        private boolean reconnect = true;
        private Duration backoffMin = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(30);
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int capabilities = BackendWire.ALL_CAPABILITIES;
        private int streamWindow = Wire.DEFAULT_STREAM_WINDOW;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The back-end's name and token, as provisioned on the appliance. */
        public Builder credentials(String name, String token) {
            this.name = name;
            this.token = token;
            return this;
        }

        /** An NIO event loop group to share; by default the client runs its own single thread. */
        /**
         * Speak TLS to the control channel (the appliance's {@code control-tls}): a client context, e.g.
         * {@code SslContextBuilder.forClient().trustManager(caFile).build()}; the appliance's certificate must name
         * {@link #host}. Null = plain.
         */
        public Builder tls(io.netty.handler.ssl.SslContext clientContext) {
            this.tls = clientContext;
            return this;
        }

        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** Reconnect after a lost connection (default on), waiting a full-jitter backoff between min and max. */
        public Builder reconnect(boolean reconnect, Duration backoffMin, Duration backoffMax) {
            this.reconnect = reconnect;
            this.backoffMin = backoffMin;
            this.backoffMax = backoffMax;
            return this;
        }

        /** The client PINGs after this much silence, and gives up after three times it without a frame. */
        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Receive window of each stream (default 256 KiB). */
        public Builder streamWindow(int bytes) {
            this.streamWindow = bytes;
            return this;
        }

        public Builder capabilities(int capabilities) {
            this.capabilities = capabilities;
            return this;
        }

        public BackendClient build() {
            Objects.requireNonNull(name, "credentials");
            return new BackendClient(this);
        }
    }
}
