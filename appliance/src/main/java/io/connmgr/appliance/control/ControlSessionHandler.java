package io.connmgr.appliance.control;

import io.connmgr.appliance.control.BackendGateway.RpcResult;
import io.connmgr.appliance.control.BackendGateway.SendResult;
import io.connmgr.appliance.control.BackendGateway.SettingsResult;
import io.connmgr.appliance.control.BackendGateway.StreamOpenResult;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.BackendFrame.EventLoss;
import io.connmgr.protocol.backend.BackendFrame.GoAway;
import io.connmgr.protocol.backend.BackendFrame.Ping;
import io.connmgr.protocol.backend.BackendFrame.Request;
import io.connmgr.protocol.backend.BackendFrame.Result;
import io.connmgr.protocol.backend.BackendFrame.Rpc;
import io.connmgr.protocol.backend.BackendFrame.Send;
import io.connmgr.protocol.backend.BackendFrame.Settings;
import io.connmgr.protocol.backend.BackendFrame.StreamData;
import io.connmgr.protocol.backend.BackendFrame.StreamOpen;
import io.connmgr.protocol.backend.BackendFrame.StreamReset;
import io.connmgr.protocol.backend.BackendFrame.StreamWindow;
import io.connmgr.protocol.backend.BackendFrame.Subscribe;
import io.connmgr.protocol.backend.BackendFrame.Unsubscribe;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * One authenticated back-end: answers its requests through the {@link BackendGateway}, delivers the events its
 * subscriptions match through a bounded {@link EventOutbox}, and relays its streams with end-to-end credit.
 *
 * <p>All state lives on the channel's event loop; gateway callbacks are moved onto it. Memory per channel is bounded:
 * requests in flight stop reading at {@link ControlOptions#maxInFlight()}, an unwritable channel stops reading, events
 * wait in a drop-oldest queue, and stream bytes never exceed the windows granted.
 */
final class ControlSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ControlSessionHandler.class);

    private final ControlOptions options;
    private final BackendGateway gateway;
    private final ControlMetrics metrics;
    private final EventOutbox outbox;
    private final Map<Integer, EventFilter> subscriptions = new LinkedHashMap<>();
    private final Map<Integer, ControlStream> streams = new HashMap<>();
    private String backend;
    private int capabilities;
    private ChannelHandlerContext ctx;
    private BackendGateway.Subscription gatewaySubscription;
    private volatile EventFilter[] filters = new EventFilter[0];
    private int inFlight;
    private boolean closed;

    ControlSessionHandler(ControlOptions options, BackendGateway gateway, ControlMetrics metrics) {
        this.options = options;
        this.gateway = gateway;
        this.metrics = metrics;
        this.outbox = new EventOutbox(options.maxPendingEvents());
    }

    void start(String backendName, int grantedCapabilities) {
        this.backend = backendName;
        this.capabilities = grantedCapabilities;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case ProtocolViolation v -> goAway(v.reason(), v.detail());
            case Ping p -> {
                if (!p.ack()) {
                    ctx.writeAndFlush(new Ping(true, p.data()));
                }
            }
            case Request r -> request(r);
            case StreamData d -> streamData(d);
            case StreamWindow w -> {
                ControlStream s = streams.get(w.streamId());
                if (s != null && s.handle != null) {
                    s.handle.window(w.increment());
                }
            }
            case StreamReset r -> {
                ControlStream s = streams.remove(r.streamId());
                if (s != null) {
                    s.resetByBackend(r.reason());
                }
            }
            case BackendFrame f -> goAway(ReasonCode.UNEXPECTED_FRAME, f.type() + " after WELCOME");
            default -> {
                ReferenceCountUtil.release(msg);
                goAway(ReasonCode.INTERNAL_ERROR, "unexpected message " + msg.getClass().getSimpleName());
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    private void request(Request r) {
        switch (r) {
            case Send s -> answer(s, gateway.send(s.deviceId(), s.payload(),
                    s.ttlMillis() == 0 ? null : Duration.ofMillis(s.ttlMillis()),
                    s.idempotencyKey().isEmpty() ? null : s.idempotencyKey()), ControlSessionHandler::sendResult);
            case Rpc c when (capabilities & BackendWire.CAP_RPC) == 0 -> refused(c, "RPC not negotiated");
            case Rpc c -> answer(c, gateway.rpc(c.deviceId(), c.method(), c.body(), Duration.ofMillis(c.timeoutMillis())),
                    ControlSessionHandler::rpcResult);
            case Settings s when (capabilities & BackendWire.CAP_SETTINGS) == 0 -> refused(s, "SETTINGS not negotiated");
            case Settings s -> answer(s, gateway.applySettings(s.deviceId(), s.settings()),
                    ControlSessionHandler::settingsResult);
            case Subscribe s when (capabilities & BackendWire.CAP_EVENTS) == 0 -> refused(s, "EVENTS not negotiated");
            case Subscribe s -> subscribe(s);
            case Unsubscribe u -> {
                boolean known = subscriptions.remove(u.subscriptionId()) != null;
                filters = subscriptions.values().toArray(EventFilter[]::new);
                reply(u, known ? BackendStatus.OK : BackendStatus.INVALID_REQUEST,
                        known ? new byte[0] : utf8("no subscription " + Integer.toUnsignedString(u.subscriptionId())));
            }
            case StreamOpen o when (capabilities & BackendWire.CAP_STREAMS) == 0 -> refused(o, "STREAMS not negotiated");
            case StreamOpen o -> openStream(o);
        }
    }

    private void refused(Request r, String detail) {
        reply(r, BackendStatus.NOT_SUPPORTED, utf8(detail));
    }

    /** Maps a gateway outcome to (status, body); called on the event loop. */
    @FunctionalInterface
    private interface ResultMapper<T> {
        Result map(int requestId, T outcome);
    }

    private <T> void answer(Request r, CompletableFuture<T> future, ResultMapper<T> mapper) {
        answer(r, future, mapper, null);
    }

    /** @param orphaned takes an outcome that arrives after the channel closed (nobody to answer), or null */
    private <T> void answer(Request r, CompletableFuture<T> future, ResultMapper<T> mapper, Consumer<T> orphaned) {
        inFlight++;
        updateReading();
        future.whenCompleteAsync((outcome, failure) -> {
            inFlight--;
            if (closed) {
                if (failure == null && orphaned != null) {
                    orphaned.accept(outcome);
                }
                return;
            }
            Result result;
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : failure;
                log.warn("back-end {}: {} failed in the gateway: {}", backend, r, cause.toString());
                result = new Result(r.requestId(), BackendStatus.INTERNAL_ERROR, utf8("internal error"));
            } else {
                result = mapper.map(r.requestId(), outcome);
            }
            write(r, result);
            ctx.flush();
            updateReading();
        }, ctx.executor());
    }

    private void reply(Request r, BackendStatus status, byte[] body) {
        write(r, new Result(r.requestId(), status, body));
    }

    private void write(Request r, Result result) {
        metrics.result(r.type(), result.status());
        ctx.write(result);
    }

    private static Result sendResult(int id, SendResult outcome) {
        return switch (outcome) {
            case SendResult.Accepted a -> new Result(id, BackendStatus.OK, utf8(a.messageId()));
            case SendResult.QueueFull q -> status(id, BackendStatus.QUEUE_FULL);
            case SendResult.UnknownDevice u -> status(id, BackendStatus.UNKNOWN_DEVICE);
            case SendResult.NotSupported n -> status(id, BackendStatus.NOT_SUPPORTED);
            case SendResult.TooLarge t -> new Result(id, BackendStatus.INVALID_REQUEST, utf8(t.reason()));
            case SendResult.Busy b -> new Result(id, BackendStatus.UNAVAILABLE, utf8(b.reason()));
        };
    }

    private static Result rpcResult(int id, RpcResult outcome) {
        return switch (outcome) {
            case RpcResult.Ok ok -> new Result(id, BackendStatus.OK, ok.body());
            case RpcResult.Error e -> new Result(id, BackendStatus.RPC_ERROR, utf8(e.message()));
            case RpcResult.NoHandler n -> status(id, BackendStatus.NO_HANDLER);
            case RpcResult.Timeout t -> status(id, BackendStatus.TIMEOUT);
            case RpcResult.UnknownDevice u -> status(id, BackendStatus.UNKNOWN_DEVICE);
            case RpcResult.Offline o -> status(id, BackendStatus.OFFLINE);
            case RpcResult.NotSupported n -> status(id, BackendStatus.NOT_SUPPORTED);
            case RpcResult.TooLarge t -> new Result(id, BackendStatus.INVALID_REQUEST, utf8(t.reason()));
            case RpcResult.Busy b -> new Result(id, BackendStatus.UNAVAILABLE, utf8(b.reason()));
        };
    }

    private static Result settingsResult(int id, SettingsResult outcome) {
        return switch (outcome) {
            case SettingsResult.Applied a -> status(id, BackendStatus.OK);
            case SettingsResult.UnknownDevice u -> status(id, BackendStatus.UNKNOWN_DEVICE);
            case SettingsResult.Invalid i -> new Result(id, BackendStatus.INVALID_REQUEST, utf8(i.reason()));
            case SettingsResult.NotSupported n -> status(id, BackendStatus.NOT_SUPPORTED);
        };
    }

    private static Result status(int id, BackendStatus status) {
        return new Result(id, status, new byte[0]);
    }

    // ---- events ----

    private void subscribe(Subscribe s) {
        if (subscriptions.containsKey(s.requestId())) {
            reply(s, BackendStatus.INVALID_REQUEST, utf8("subscription id in use"));
            return;
        }
        subscriptions.put(s.requestId(), s.filter());
        filters = subscriptions.values().toArray(EventFilter[]::new);
        if (gatewaySubscription == null) {
            gatewaySubscription = gateway.subscribe(this::onGatewayEvent);
        }
        reply(s, BackendStatus.OK, new byte[0]);
    }

    /** Any thread. Filters and queues; never blocks, never writes. */
    private void onGatewayEvent(DeviceEvent event) {
        for (EventFilter f : filters) {
            if (f.matches(event)) {
                if (outbox.offer(event)) {
                    ctx.executor().execute(this::drainEvents);
                }
                return;
            }
        }
    }

    /** Writes queued events while the channel takes them; resumes on writability. */
    private void drainEvents() {
        if (closed) {
            return;
        }
        boolean wrote = false;
        while (ctx.channel().isWritable()) {
            long dropped = outbox.takeDropped();
            if (dropped > 0) {
                metrics.eventsDropped(dropped);
                ctx.write(new EventLoss(System.currentTimeMillis(), dropped));
            }
            DeviceEvent e = outbox.poll();
            if (e == null) {
                break;
            }
            metrics.eventDelivered();
            ctx.write(e);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        // Not writable: the drain stays pending (offers do not schedule) until channelWritabilityChanged resumes it.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            drainEvents();
        }
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    /** Stop reading requests while too many are outstanding or replies cannot be written. */
    private void updateReading() {
        boolean read = inFlight < options.maxInFlight() && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    // ---- streams ----

    private void openStream(StreamOpen o) {
        if (streams.containsKey(o.streamId())) {
            reply(o, BackendStatus.INVALID_REQUEST, utf8("stream id in use"));
            return;
        }
        ControlStream stream = new ControlStream(o.streamId());
        streams.put(o.streamId(), stream);
        CompletableFuture<StreamOpenResult> opening;
        try {
            opening = gateway.openStream(o.deviceId(), o.port(), o.window(), new ChannelSink(stream));
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        stream.opening = opening;
        answer(o, opening, (id, outcome) -> {
            if (!(outcome instanceof StreamOpenResult.Opened opened)) {
                streams.remove(o.streamId(), stream);
            } else if (streams.get(o.streamId()) != stream) { // reset by the back-end while opening
                opened.handle().reset(StreamStatus.CANCELLED);
            } else {
                stream.opened(opened);
                metrics.streamOpened();
            }
            return switch (outcome) {
                case StreamOpenResult.Opened opened -> new Result(id, BackendStatus.OK,
                        java.nio.ByteBuffer.allocate(4).putInt((int) opened.window()).array());
                case StreamOpenResult.Refused r -> new Result(id, refusal(r.status()), utf8(r.status().description()));
                case StreamOpenResult.UnknownDevice u -> status(id, BackendStatus.UNKNOWN_DEVICE);
                case StreamOpenResult.Offline off -> status(id, BackendStatus.OFFLINE);
                case StreamOpenResult.NotSupported n -> new Result(id, BackendStatus.NOT_SUPPORTED, utf8(n.detail()));
            };
        }, outcome -> {
            // Opened just as the channel closed: end() found no handle to reset, so the device side is told here.
            if (outcome instanceof StreamOpenResult.Opened opened) {
                opened.handle().reset(StreamStatus.CANCELLED);
            }
        });
    }

    private static BackendStatus refusal(StreamStatus s) {
        return switch (s) {
            case NOT_EXPOSED, UNKNOWN_SERVICE -> BackendStatus.NOT_EXPOSED;
            case REFUSED -> BackendStatus.REFUSED;
            case UNREACHABLE -> BackendStatus.UNREACHABLE;
            case TOO_MANY_STREAMS -> BackendStatus.TOO_MANY_STREAMS;
            case NOT_SUPPORTED -> BackendStatus.NOT_SUPPORTED;
            // The device's link ended or the device failed the stream while it opened: worth another try.
            case FAILED, CANCELLED -> BackendStatus.UNAVAILABLE;
            case OK, FLOW_CONTROL_ERROR -> BackendStatus.INTERNAL_ERROR;
        };
    }

    private void streamData(StreamData d) {
        ControlStream s = streams.get(d.streamId());
        if (s == null || s.handle == null || s.backendFin) {
            d.release();
            if (s == null) {
                // Also what a stream that just ended sees of bytes already in flight: reset, no more.
                metrics.streamRefused(StreamStatus.CANCELLED);
                ctx.write(new StreamReset(d.streamId(), StreamStatus.CANCELLED));
            } else {
                streams.remove(d.streamId());
                metrics.streamRefused(StreamStatus.FAILED);
                s.resetBoth(StreamStatus.FAILED);
            }
            return;
        }
        int n = d.data().readableBytes();
        if (n > s.sendCredit) {
            d.release();
            streams.remove(d.streamId());
            metrics.streamRefused(StreamStatus.FLOW_CONTROL_ERROR);
            s.resetBoth(StreamStatus.FLOW_CONTROL_ERROR);
            return;
        }
        s.sendCredit -= n;
        if (n > 0) {
            s.handle.write(d.data());
        } else {
            d.release();
        }
        if (d.fin()) {
            s.backendFin = true;
            s.handle.close();
            s.endIfDone();
        }
    }

    /** One stream of this channel; event-loop state only. */
    private final class ControlStream {
        final int id;
        CompletableFuture<StreamOpenResult> opening;
        BackendGateway.StreamHandle handle;
        long sendCredit;
        boolean backendFin;
        boolean deviceFin;

        ControlStream(int id) {
            this.id = id;
        }

        void opened(StreamOpenResult.Opened opened) {
            handle = opened.handle();
            sendCredit = opened.window();
        }

        void resetByBackend(StreamStatus reason) {
            if (handle != null) {
                handle.reset(reason);
            }
        }

        void resetBoth(StreamStatus reason) {
            if (handle != null) {
                handle.reset(reason);
            }
            ctx.write(new StreamReset(id, reason));
        }

        void endIfDone() {
            if (backendFin && deviceFin) {
                streams.remove(id, this);
            }
        }

        boolean current() {
            return !closed && streams.get(id) == this;
        }
    }

    /** The gateway's callbacks for one stream, moved onto the event loop. */
    private final class ChannelSink implements BackendGateway.StreamSink {
        private final ControlStream stream;

        ChannelSink(ControlStream stream) {
            this.stream = stream;
        }

        @Override
        public void onData(ByteBuf data) {
            ctx.executor().execute(() -> {
                if (!stream.current()) {
                    data.release();
                    return;
                }
                ctx.writeAndFlush(new StreamData(stream.id, false, data));
            });
        }

        @Override
        public void onWindow(long increment) {
            ctx.executor().execute(() -> {
                if (stream.current()) {
                    stream.sendCredit += increment;
                    ctx.writeAndFlush(new StreamWindow(stream.id, increment));
                }
            });
        }

        @Override
        public void onClose() {
            ctx.executor().execute(() -> {
                if (stream.current()) {
                    stream.deviceFin = true;
                    ctx.writeAndFlush(new StreamData(stream.id, true, Unpooled.EMPTY_BUFFER));
                    stream.endIfDone();
                }
            });
        }

        @Override
        public void onReset(StreamStatus reason) {
            ctx.executor().execute(() -> {
                if (stream.current()) {
                    streams.remove(stream.id);
                    ctx.writeAndFlush(new StreamReset(stream.id, reason));
                }
            });
        }
    }

    // ---- keep-alive and ending ----

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                goAway(ReasonCode.SILENT, "no frame for " + 3 * options.keepAlive().toSeconds() + " s");
            } else if (idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(new Ping(false, System.nanoTime()));
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void goAway(ReasonCode reason, String message) {
        if (closed || !ctx.channel().isActive()) {
            return;
        }
        metrics.closed(reason);
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(new GoAway(reason, 1000, message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        end();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    private void end() {
        if (closed) {
            return;
        }
        closed = true;
        metrics.sessionEnded();
        if (gatewaySubscription != null) {
            gatewaySubscription.close();
        }
        outbox.clear();
        for (ControlStream s : streams.values()) {
            if (s.handle == null && s.opening != null) {
                s.opening.cancel(false); // still opening: the gateway gives the open up and tells the device
            }
            s.resetByBackend(StreamStatus.CANCELLED);
        }
        streams.clear();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
