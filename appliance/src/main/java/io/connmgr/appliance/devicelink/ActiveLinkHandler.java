package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** The ACTIVE tier's frame handling for one device: keep-alives, messages, acknowledgements and commands. */
public final class ActiveLinkHandler extends ChannelInboundHandlerAdapter {
    private final DeviceSession session;
    private final ConnectionManager manager;
    private final ApplianceMetrics metrics;
    private final TimeSource time;

    public ActiveLinkHandler(DeviceSession session, ConnectionManager manager, ApplianceMetrics metrics,
                             TimeSource time) {
        this.session = session;
        this.manager = manager;
        this.metrics = metrics;
        this.time = time;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        session.seen(time.nanoTime());
        switch (frame) {
            case Ping p -> {
                metrics.keepAliveAnswered(Tier.ACTIVE);
                ctx.writeAndFlush(Pong.INSTANCE);
            }
            case Pong p -> { }
            case Msg m -> {
                session.activity(time);
                manager.uplink(session, m);
            }
            case Ack a -> {
                session.activity(time);
                manager.downlinkAck(session, a);
            }
            case Cmd c -> manager.command(session, c);
            case Hello h -> unexpected(ctx, frame);
            case Welcome w -> unexpected(ctx, frame);
            case Reject r -> unexpected(ctx, frame);
            case GoAway g -> unexpected(ctx, frame);
            case CmdResult r -> unexpected(ctx, frame);
            // Not offered in WELCOME's capabilities yet, so a device that sends them breaks protocol.
            case StreamOpen o -> unexpected(ctx, frame);
            case StreamOpenResult r -> unexpected(ctx, frame);
            case StreamData d -> {
                d.release();
                unexpected(ctx, frame);
            }
            case StreamWindow w -> unexpected(ctx, frame);
            case StreamClose c -> unexpected(ctx, frame);
            case StreamReset r -> unexpected(ctx, frame);
            case ConnectRequest c -> unexpected(ctx, frame);
            case StreamAttach a -> unexpected(ctx, frame);
            case RpcRequest r -> unexpected(ctx, frame);
            case RpcResponse r -> manager.rpcResponse(session, r);
        }
    }

    private void unexpected(ChannelHandlerContext ctx, Frame frame) {
        metrics.frameRejected(ReasonCode.UNEXPECTED_FRAME);
        Farewell.send(ctx.channel(), new GoAway(ReasonCode.UNEXPECTED_FRAME, manager.violationReconnectAfterMillis(),
                frame.type() + " is not allowed from a device after WELCOME"));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        manager.onChannelClosed(session);
        ctx.fireChannelInactive();
    }
}
