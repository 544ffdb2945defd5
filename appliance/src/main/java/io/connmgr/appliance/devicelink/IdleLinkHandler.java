package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The whole IDLE pipeline: no decoder, no buffers. Whole PINGs are answered by comparing bytes; anything else wakes
 * the connection and is replayed, untouched, into the ACTIVE pipeline.
 */
public final class IdleLinkHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] PING = Wire.ping();
    private static final byte[] PONG = Wire.pong();

    private final DeviceSession session;
    private final ConnectionManager manager;
    private final ApplianceMetrics metrics;
    private final TimeSource time;

    public IdleLinkHandler(DeviceSession session, ConnectionManager manager, ApplianceMetrics metrics,
                           TimeSource time) {
        this.session = session;
        this.manager = manager;
        this.metrics = metrics;
        this.time = time;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        session.seen(time.nanoTime());
        int pings = wholePings(bytes);
        if (pings == 0) {
            manager.toActive(session, TierCause.DEVICE_DATA, bytes);
            return;
        }
        bytes.release();
        ByteBuf pongs = ctx.alloc().buffer(pings * PONG.length);
        for (int i = 0; i < pings; i++) {
            pongs.writeBytes(PONG);
            metrics.keepAliveAnswered(Tier.IDLE);
        }
        ctx.writeAndFlush(pongs);
    }

    /** The number of PINGs if the buffer holds nothing but whole PINGs, else 0. */
    static int wholePings(ByteBuf bytes) {
        int n = bytes.readableBytes();
        if (n == 0 || n % PING.length != 0) {
            return 0;
        }
        int at = bytes.readerIndex();
        for (int i = 0; i < n; i++) {
            if (bytes.getByte(at + i) != PING[i % PING.length]) {
                return 0;
            }
        }
        return n / PING.length;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        manager.onChannelClosed(session);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ExceptionHandler.INSTANCE.exceptionCaught(ctx, cause);
    }

    static ByteBuf pong() {
        return Unpooled.wrappedBuffer(PONG);
    }
}
