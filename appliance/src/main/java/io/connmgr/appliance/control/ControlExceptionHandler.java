package io.connmgr.appliance.control;

import io.connmgr.appliance.transport.ClientAddress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Last stage: closes on any exception, logging I/O noise (resets, broken pipes) only at debug. */
@ChannelHandler.Sharable
final class ControlExceptionHandler extends ChannelInboundHandlerAdapter {
    static final ControlExceptionHandler INSTANCE = new ControlExceptionHandler();
    private static final Logger log = LoggerFactory.getLogger(ControlExceptionHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || io.connmgr.appliance.transport.tls.TlsFailures.fromPeer(cause)) {
            log.debug("control channel {}: {}", ClientAddress.of(ctx.channel()), cause.toString());
        } else {
            log.warn("control channel {} failed: {}", ClientAddress.of(ctx.channel()), cause.toString(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Nothing should reach here; whatever does is released so it cannot leak.
        ReferenceCountUtil.release(msg);
    }
}
