package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.admission.AdmissionControl;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Waits for HELLO within the handshake deadline, checks it off the event loop (the store may be read), and hands the
 * connection to the connection manager, which replaces this handler with the ACTIVE pipeline. Reading stops while
 * the check runs, so nothing is buffered on the device's behalf before it is known.
 *
 * <p>Admission control comes first: a connection beyond the pending limit, or a HELLO the admission rate has no room
 * for, is answered GOAWAY(OVERLOADED) with a reconnect-after and closed, before any store or session work.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private final HandshakeService service;
    private final ConnectionManager manager;
    private final ApplianceMetrics metrics;
    private final Executor storeExecutor;
    private final long timeoutMillis;
    private final AdmissionControl admission;
    private ScheduledFuture<?> deadline;
    private boolean holdsSlot;
    private boolean helloSeen;
    private StreamService streams;
    private Function<Channel, String> certificateIdentity = ch -> null;

    public HandshakeHandler(HandshakeService service, ConnectionManager manager, ApplianceMetrics metrics,
                            Executor storeExecutor, long timeoutMillis, AdmissionControl admission) {
        this.service = service;
        this.manager = manager;
        this.metrics = metrics;
        this.storeExecutor = storeExecutor;
        this.timeoutMillis = timeoutMillis;
        this.admission = admission;
    }

    /** Accept STREAM_ATTACH (a data connection) in place of HELLO and hand it to {@code streams}. */
    HandshakeHandler acceptingAttach(StreamService streams) {
        this.streams = streams;
        return this;
    }

    /** The device id the connection's client certificate names, null when it has none (see HandshakeService). */
    HandshakeHandler certificateIdentity(Function<Channel, String> identity) {
        this.certificateIdentity = identity;
        return this;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!manager.accepting()) {
            metrics.authFailure(ReasonCode.SHUTTING_DOWN);
            Farewell.send(ctx.channel(), new Reject(ReasonCode.SHUTTING_DOWN, ReasonCode.SHUTTING_DOWN.description()));
            return;
        }
        if (!admission.enter(ctx.channel())) {
            deferred(ctx, admission.deferMillis());
            return;
        }
        holdsSlot = true;
        deadline = ctx.executor().schedule(() -> {
            metrics.authFailure(ReasonCode.HANDSHAKE_TIMEOUT);
            Farewell.send(ctx.channel(), new Reject(ReasonCode.HANDSHAKE_TIMEOUT,
                    "no HELLO within " + timeoutMillis + " ms"));
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (frame instanceof StreamAttach attach && streams != null && !helloSeen) {
            helloSeen = true;
            deadline.cancel(false);
            release(ctx.channel());
            ctx.channel().config().setAutoRead(false);
            streams.attach(ctx.channel(), attach);
            return;
        }
        if (!(frame instanceof Hello hello) || helloSeen) {
            ReferenceCountUtil.release(frame);
            metrics.frameRejected(ReasonCode.UNEXPECTED_FRAME);
            Farewell.send(ctx.channel(), new Reject(ReasonCode.UNEXPECTED_FRAME,
                    "expected HELLO, got " + frame.type()));
            return;
        }
        helloSeen = true;
        long deferMillis = admission.admitHello();
        if (deferMillis != AdmissionControl.ADMITTED) {
            deadline.cancel(false);
            release(ctx.channel());
            deferred(ctx, deferMillis);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        String certified = certificateIdentity.apply(ctx.channel());
        CompletableFuture.supplyAsync(() -> service.check(hello, ClientAddress.of(ctx.channel()), certified),
                        storeExecutor)
                .whenCompleteAsync((verdict, error) -> finish(ctx, hello, verdict, error), ctx.executor());
    }

    private void finish(ChannelHandlerContext ctx, Hello hello, HandshakeService.Verdict verdict, Throwable error) {
        if (!ctx.channel().isActive() || ctx.isRemoved()) {
            return;
        }
        deadline.cancel(false);
        release(ctx.channel());
        if (error != null) {
            metrics.authFailure(ReasonCode.INTERNAL_ERROR);
            Farewell.send(ctx.channel(), new Reject(ReasonCode.INTERNAL_ERROR, "handshake failed, retry later"));
            return;
        }
        if (verdict.refusal() != null) {
            metrics.authFailure(verdict.refusal());
            Farewell.send(ctx.channel(), new Reject(verdict.refusal(), verdict.refusal().description()));
            return;
        }
        manager.admit(ctx.channel(), hello, verdict);
    }

    /** Sends the device away until {@code reconnectAfterMillis}; protocol.md 6.1 allows GOAWAY in place of WELCOME. */
    private static void deferred(ChannelHandlerContext ctx, long reconnectAfterMillis) {
        Farewell.send(ctx.channel(), new GoAway(ReasonCode.OVERLOADED, reconnectAfterMillis,
                "busy: come back in " + reconnectAfterMillis + " ms"));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        release(ctx.channel());
        ctx.fireChannelInactive();
    }

    private void release(Channel channel) {
        if (holdsSlot) {
            holdsSlot = false;
            admission.leave(channel);
        }
    }
}
