package io.connmgr.appliance.proxy;

import io.connmgr.appliance.transport.ClientAddress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Last stage of a back-end connection: any failure closes it; I/O noise (resets) is not worth a log line. */
@ChannelHandler.Sharable
final class ProxyExceptionHandler extends ChannelInboundHandlerAdapter {
    static final ProxyExceptionHandler INSTANCE = new ProxyExceptionHandler();
    private static final Logger log = LoggerFactory.getLogger(ProxyExceptionHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)
                && !io.connmgr.appliance.transport.tls.TlsFailures.fromPeer(cause)) {
            log.debug("back-end connection {}: {}", ClientAddress.of(ctx.channel()), cause.toString());
        }
        ctx.close();
    }
}
