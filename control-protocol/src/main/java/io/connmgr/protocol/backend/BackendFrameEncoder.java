package io.connmgr.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Stateless, so one instance serves every channel. */
@ChannelHandler.Sharable
public final class BackendFrameEncoder extends MessageToByteEncoder<BackendFrame> {
    public static final BackendFrameEncoder INSTANCE = new BackendFrameEncoder();

    private BackendFrameEncoder() {
        super(BackendFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BackendFrame frame, ByteBuf out) {
        BackendCodec.encode(frame, out);
    }
}
