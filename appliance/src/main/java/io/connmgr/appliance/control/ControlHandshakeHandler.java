package io.connmgr.appliance.control;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.BackendGuard;
import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrame.GoAway;
import io.connmgr.protocol.backend.BackendFrame.Hello;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Waits for BACKEND_HELLO before the deadline, authenticates it off the event loop, answers WELCOME and replaces
 * itself by the session handler; anything else gets GOAWAY with a reason and the channel is closed.
 */
final class ControlHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ControlHandshakeHandler.class);
    /** A refused back-end should not hammer the authenticator. */
    private static final long RETRY_AFTER_REFUSAL_MILLIS = 5000;

    private final ControlOptions options;
    private final int offered;
    private final BackendAuthenticator authenticator;
    private final Executor authExecutor;
    private final ControlMetrics metrics;
    private final BackendGuard guard;
    private final Supplier<ControlSessionHandler> sessions;
    private ScheduledFuture<?> deadline;
    private boolean authenticating;

    /** @param offered the capabilities the gateway serves; a back-end is granted those it also asks for */
    ControlHandshakeHandler(ControlOptions options, int offered, BackendAuthenticator authenticator,
                            Executor authExecutor, ControlMetrics metrics, BackendGuard guard,
                            Supplier<ControlSessionHandler> sessions) {
        this.guard = guard;
        this.options = options;
        this.offered = offered;
        this.authenticator = authenticator;
        this.authExecutor = authExecutor;
        this.metrics = metrics;
        this.sessions = sessions;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> refuse(ctx, ReasonCode.HANDSHAKE_TIMEOUT, 0,
                "no BACKEND_HELLO within " + options.handshakeTimeout().toMillis() + " ms"),
                options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case ProtocolViolation v -> refuse(ctx, v.reason(), RETRY_AFTER_REFUSAL_MILLIS, v.detail());
                case Hello h when !authenticating -> authenticate(ctx, h);
                case BackendFrame f -> refuse(ctx, ReasonCode.UNEXPECTED_FRAME, 0,
                        f.type() + " before WELCOME");
                default -> ctx.fireChannelRead(ReferenceCountUtil.retain(msg));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) { // the deadline, not the idle timer, governs the handshake
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void authenticate(ChannelHandlerContext ctx, Hello hello) {
        authenticating = true;
        SocketAddress source = ClientAddress.of(ctx.channel());
        if (!guard.failures().allow(source)) {
            refuse(ctx, ReasonCode.RATE_LIMITED, guard.failures().retryAfterSeconds(source) * 1000,
                    "too many failed HELLOs from this address");
            return;
        }
        String token = new String(hello.token(), StandardCharsets.UTF_8);
        long stamp = guard.connections().stamp();
        CompletableFuture.supplyAsync(() -> authenticator.authenticate(hello.name(), token), authExecutor)
                .whenCompleteAsync((name, failure) -> welcome(ctx, hello, name, failure, source, stamp),
                        ctx.executor());
    }

    private void welcome(ChannelHandlerContext ctx, Hello hello, Optional<String> name, Throwable failure,
                         SocketAddress source, long stamp) {
        if (!ctx.channel().isActive() || ctx.isRemoved()) {
            return;
        }
        if (failure != null) {
            log.warn("authenticating back-end '{}' failed: {}", hello.name(), failure.toString());
            refuse(ctx, ReasonCode.INTERNAL_ERROR, RETRY_AFTER_REFUSAL_MILLIS, "authentication unavailable");
            return;
        }
        if (name.isEmpty()) {
            guard.failures().failed(source);
            refuse(ctx, ReasonCode.BAD_CREDENTIALS, RETRY_AFTER_REFUSAL_MILLIS, "unknown back-end or wrong token");
            return;
        }
        int capabilities = hello.capabilities() & offered;
        metrics.welcomed();
        log.info("back-end '{}' welcomed on the control channel from {}", name.get(),
                ClientAddress.of(ctx.channel()));
        ControlSessionHandler session = sessions.get();
        session.start(name.get(), capabilities);
        ctx.writeAndFlush(new BackendFrame.Welcome(BackendWire.VERSION, (int) options.keepAlive().toSeconds(),
                options.maxFrameSize(), capabilities, options.maxPendingEvents(), name.get()));
        ctx.pipeline().replace(this, ControlChannelInitializer.SESSION, session);
        Channel channel = ctx.channel();
        guard.connections().register(name.get(), channel, stamp, () -> revoked(channel));
    }

    /** The back-end's credential was revoked: GOAWAY REVOKED, then close (section 14.3). */
    private void revoked(Channel channel) {
        if (channel.isActive()) {
            metrics.closed(ReasonCode.REVOKED);
            channel.config().setAutoRead(false);
            channel.writeAndFlush(new GoAway(ReasonCode.REVOKED, 0, ReasonCode.REVOKED.description()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, ReasonCode reason, long retryAfterMillis, String message) {
        if (!ctx.channel().isActive()) {
            return;
        }
        metrics.closed(reason);
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(new GoAway(reason, retryAfterMillis, message)).addListener(ChannelFutureListener.CLOSE);
    }
}
