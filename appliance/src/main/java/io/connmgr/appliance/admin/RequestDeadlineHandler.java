package io.connmgr.appliance.admin;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives a client a fixed time to deliver a complete request, counted from the connection's start or from the previous
 * response. A read timeout alone would let a client dribble one header byte every few seconds for ever (slowloris);
 * this deadline does not move while bytes trickle in. It also retires idle keep-alive connections.
 *
 * <p>When time is up the client gets 408 with a JSON body (counted as {@code cm.admin.requests{status=408,
 * route=timeout}}) and the connection closes; whatever part of a request it had sent is dropped with the pipeline.
 */
final class RequestDeadlineHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadlineHandler.class);

    private final long timeoutNanos;
    private final ResponseWriter writer;
    private ScheduledFuture<?> deadline;

    RequestDeadlineHandler(Duration timeout, ResponseWriter writer) {
        this.timeoutNanos = timeout.toNanos();
        this.writer = writer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest) {
            cancel();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse) {
            ChannelPromise tracked = promise.unvoid();
            tracked.addListener(written -> {
                if (written.isSuccess() && ctx.channel().isActive()) {
                    arm(ctx);
                }
            });
            super.write(ctx, msg, tracked);
            return;
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        deadline = ctx.executor().schedule(() -> {
            log.debug("admin client {} sent no complete request in time; closing", ctx.channel().remoteAddress());
            deadline = null;
            writer.write(ctx, AdminResponse.error(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
                    "no complete request within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"),
                    "timeout", true);
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
