package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.messaging.UplinkGate;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.stream.StreamService;
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
    private final StreamService streams;
    private final UplinkGate uplinkGate;

    public ActiveLinkHandler(DeviceSession session, ConnectionManager manager, ApplianceMetrics metrics,
                             TimeSource time) {
        this(session, manager, metrics, time, null, null);
    }

    /**
     * @param streams    null when streams are not offered
     * @param uplinkGate null when nothing downstream of uplink messages can fall behind
     */
    public ActiveLinkHandler(DeviceSession session, ConnectionManager manager, ApplianceMetrics metrics,
                             TimeSource time, StreamService streams, UplinkGate uplinkGate) {
        this.session = session;
        this.uplinkGate = uplinkGate;
        this.manager = manager;
        this.metrics = metrics;
        this.time = time;
        this.streams = streams;
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
                holdIfUplinkBehind(ctx);
            }
            case Ack a -> {
                session.activity(time);
                manager.downlinkAck(session, a);
            }
            case Cmd c -> {
                session.activity(time);
                manager.command(session, c);
            }
            case Hello h -> unexpected(ctx, frame);
            case Welcome w -> unexpected(ctx, frame);
            case Reject r -> unexpected(ctx, frame);
            case GoAway g -> unexpected(ctx, frame);
            case CmdResult r -> unexpected(ctx, frame);
            // Allowed only when both sides announced a stream capability; the stream service checks.
            case StreamOpen o -> stream(ctx, frame);
            case StreamOpenResult r -> stream(ctx, frame);
            case StreamData d -> stream(ctx, frame);
            case StreamWindow w -> stream(ctx, frame);
            case StreamClose c -> stream(ctx, frame);
            case StreamReset r -> stream(ctx, frame);
            case ConnectRequest c -> unexpected(ctx, frame);
            case StreamAttach a -> unexpected(ctx, frame);
            case RpcRequest r -> unexpected(ctx, frame);
            case RpcResponse r -> manager.rpcResponse(session, r);
        }
    }

    private void stream(ChannelHandlerContext ctx, Frame frame) {
        if (streams == null) {
            ReferenceCountUtil.release(frame);
            unexpected(ctx, frame);
        } else if (!streams.onFrame(session, frame)) {
            unexpected(ctx, frame);
        }
    }

    /**
     * Backpressure on the link: a device that does not read what it is sent (ACKs, PONGs, MSGs, stream bytes) is not
     * read either, and neither is one whose uplink messages cannot be passed on yet; nothing queues for it without
     * bound. Checked after every read, not only on writability changes, because other stages turn reading on.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * After each uplink message rather than each read: a read can carry many, and stopping now leaves only the rest of
     * this buffer to be accepted before the link pauses.
     */
    private void holdIfUplinkBehind(ChannelHandlerContext ctx) {
        if (uplinkGate != null && ctx.channel().config().isAutoRead()) {
            uplinkGate.holdIfBehind(ctx.channel());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streams != null) {
            streams.linkWritabilityChanged(session);
        }
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        } else {
            manager.resumeReading(session);
        }
        ctx.fireChannelWritabilityChanged();
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
