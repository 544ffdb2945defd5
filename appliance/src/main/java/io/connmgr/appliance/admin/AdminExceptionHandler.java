package io.connmgr.appliance.admin;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Last stage of the admin pipeline: whatever reaches it closes the connection. Resets, broken pipes and requests cut
 * off half-way come from clients that went away (or that the request deadline removed): routine, logged at debug.
 */
@ChannelHandler.Sharable
final class AdminExceptionHandler extends ChannelInboundHandlerAdapter {
    static final AdminExceptionHandler INSTANCE = new AdminExceptionHandler();
    private static final Logger log = LoggerFactory.getLogger(AdminExceptionHandler.class);

    private AdminExceptionHandler() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException
                || io.connmgr.appliance.transport.tls.TlsFailures.fromPeer(cause)) {
            log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("admin connection {} failed; closing", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
