package io.connmgr.appliance.devicelink;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.Frame;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * Sends a last frame and closes. The frame is written pre-encoded, so it works whatever tier's pipeline the channel
 * has (the IDLE pipeline has no encoder).
 */
public final class Farewell {
    private Farewell() {
    }

    public static void send(Channel channel, Frame last) {
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.toBytes(last)))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
