package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Reject;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a decoder violation into the protocol's own answer: REJECT before the handshake completed, GOAWAY after, then
 * close. Counted by reason.
 */
@ChannelHandler.Sharable
public final class ProtocolViolationHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProtocolViolationHandler.class);
    private final ApplianceMetrics metrics;
    private final long violationReconnectAfterMillis;

    public ProtocolViolationHandler(ApplianceMetrics metrics, long violationReconnectAfterMillis) {
        this.metrics = metrics;
        this.violationReconnectAfterMillis = violationReconnectAfterMillis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ProtocolViolation violation)) {
            ctx.fireChannelRead(msg);
            return;
        }
        metrics.frameRejected(violation.reason());
        log.debug("device connection {}: {} ({})", ClientAddress.of(ctx.channel()), violation.reason(),
                violation.detail());
        boolean welcomed = ctx.pipeline().get(HandlerNames.HANDSHAKE) == null;
        Farewell.send(ctx.channel(), welcomed
                ? new GoAway(violation.reason(), violationReconnectAfterMillis, violation.detail())
                : new Reject(violation.reason(), violation.detail()));
    }
}
