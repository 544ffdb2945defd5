package io.connmgr.loadtest.fleet;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.Wire;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The connection manager's own device protocol, spoken the way the agent speaks it: HELLO with the device's token and
 * the resume token of its last WELCOME, PING at the interval WELCOME gave, PONG to the appliance's PINGs, and a
 * GOAWAY's reconnect-after honoured by the device's backoff.
 */
final class AgentProtocol implements DeviceProtocol {
    private final FleetToken tokens;
    private final int keepAliveSeconds;

    /** @param keepAliveSeconds asked for in HELLO; 0 lets the appliance choose */
    AgentProtocol(byte[] fleetKey, int keepAliveSeconds) {
        this.tokens = new FleetToken(fleetKey);
        this.keepAliveSeconds = keepAliveSeconds;
    }

    /** Kept across connections: the token, and the session to resume. */
    private static final class Session {
        final byte[] credential;
        byte[] resumeToken;

        Session(byte[] credential) {
            this.credential = credential;
        }
    }

    @Override
    public Object newDevice(String deviceId) {
        // The event loop is the only caller, so the one FleetToken (not thread-safe) is safe here.
        return new Session(tokens.credential(deviceId));
    }

    @Override
    public void initChannel(Channel channel, LiveDevice device) {
        channel.pipeline().addLast(new FrameDecoder(64 * 1024), FrameEncoder.INSTANCE,
                new Handler(device, (Session) device.protocolState(), keepAliveSeconds));
    }

    @Override
    public void ping(Channel channel) {
        channel.writeAndFlush(Ping.INSTANCE, channel.voidPromise());
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        private final LiveDevice device;
        private final Session session;
        private final int keepAliveSeconds;

        Handler(LiveDevice device, Session session, int keepAliveSeconds) {
            this.device = device;
            this.session = session;
            this.keepAliveSeconds = keepAliveSeconds;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(new Hello(Wire.PROTOCOL_VERSION, keepAliveSeconds, 0, device.id(), session.credential,
                    session.resumeToken));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            switch ((Frame) msg) {
                case Welcome w -> {
                    session.resumeToken = w.resumeToken();
                    device.up(ctx.channel(), w.keepAliveSeconds() * 1000L, w.resumed());
                }
                case Reject r -> device.refused(ctx.channel(), "REJECT " + r.reasonCode() + " " + r.message());
                case GoAway g -> device.goAway(ctx.channel(), g.reconnectAfterMillis());
                case Ping p -> ctx.writeAndFlush(Pong.INSTANCE, ctx.voidPromise());
                case Pong p -> device.pong(ctx.channel());
                default -> {
                    // messages and commands are not part of what a live device does
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
