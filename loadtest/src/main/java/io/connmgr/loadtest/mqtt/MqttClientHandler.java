package io.connmgr.loadtest.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * One MQTT 3.1.1 client session, the least a device needs to stay connected to a broker: CONNECT with a client id
 * and a keep-alive as soon as the connection is up, wait for CONNACK, then PINGREQ whenever {@link #ping} is called,
 * counting each PINGRESP. Nothing is published or subscribed. The codec is Netty's; this handler only drives it and
 * reports what happens to a {@link Listener}, so the same session serves a test, a fleet worker or a one-off probe.
 *
 * <p>Runs on the channel's event loop; the listener is called there too.
 */
public final class MqttClientHandler extends ChannelInboundHandlerAdapter {
    /** CONNACK, PINGRESP and the like are a few bytes; anything larger from a broker is a fault. */
    private static final int MAX_MESSAGE_BYTES = 4096;

    /** What the session reports; every call is on the channel's event loop. */
    public interface Listener {
        /** The broker accepted CONNECT. */
        void connected(Channel channel, boolean sessionPresent);

        /** The broker refused CONNECT; the handler closes the connection right after. */
        void refused(Channel channel, MqttConnectReturnCode code);

        void pong(Channel channel);
    }

    private final String clientId;
    private final int keepAliveSeconds;
    private final Listener listener;
    private boolean accepted;

    public MqttClientHandler(String clientId, int keepAliveSeconds, Listener listener) {
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65_535) {
            throw new IllegalArgumentException("MQTT keep-alive is 0..65535 s, got " + keepAliveSeconds);
        }
        this.clientId = clientId;
        this.keepAliveSeconds = keepAliveSeconds;
        this.listener = listener;
    }

    /** Adds Netty's MQTT codec and a session for {@code clientId} to a new client channel. */
    public static void install(ChannelPipeline pipeline, String clientId, int keepAliveSeconds, Listener listener) {
        pipeline.addLast(new MqttDecoder(MAX_MESSAGE_BYTES), MqttEncoder.INSTANCE,
                new MqttClientHandler(clientId, keepAliveSeconds, listener));
    }

    /** Sends one PINGREQ on a channel that carries an accepted session. */
    public static void ping(Channel channel) {
        channel.writeAndFlush(MqttMessage.PINGREQ, channel.voidPromise());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId)
                .cleanSession(true)
                .keepAlive(keepAliveSeconds)
                .build());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof MqttMessage m) || m.decoderResult().isFailure()) {
                ctx.close();
                return;
            }
            switch (m.fixedHeader().messageType()) {
                case CONNACK -> {
                    MqttConnectReturnCode code = ((MqttConnAckMessage) m).variableHeader().connectReturnCode();
                    if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED && !accepted) {
                        accepted = true;
                        listener.connected(ctx.channel(),
                                ((MqttConnAckMessage) m).variableHeader().isSessionPresent());
                    } else {
                        listener.refused(ctx.channel(), code);
                        ctx.close();
                    }
                }
                case PINGRESP -> listener.pong(ctx.channel());
                default -> {
                    // a broker sends nothing else to a client that neither publishes nor subscribes
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
