package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.transport.ClientAddress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Last stage of every device-link pipeline. Connection resets from millions of devices are routine, so I/O errors
 * are logged at debug; anything else is a bug worth a warning. Nothing is ever sent to the peer from here.
 */
@ChannelHandler.Sharable
public final class ExceptionHandler extends ChannelInboundHandlerAdapter {
    public static final ExceptionHandler INSTANCE = new ExceptionHandler();
    private static final Logger log = LoggerFactory.getLogger(ExceptionHandler.class);

    private ExceptionHandler() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof Errors.NativeIoException
                || io.connmgr.appliance.transport.tls.TlsFailures.fromPeer(cause)) {
            log.debug("device connection {} I/O error: {}", ClientAddress.of(ctx.channel()), cause.toString());
        } else {
            log.warn("device connection {} closed after an unexpected error", ClientAddress.of(ctx.channel()), cause);
        }
        ctx.close();
    }
}
