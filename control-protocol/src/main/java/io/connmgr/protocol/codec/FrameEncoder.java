package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.StreamData;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Stateless, so one instance serves every channel. STREAM_DATA goes out as its 8-byte head followed by the data
 * buffer itself: relayed bytes are not copied on their way through.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        if (frame instanceof StreamData d) {
            ByteBuf head = ctx.alloc().ioBuffer(FrameCodec.STREAM_DATA_HEAD_BYTES);
            FrameCodec.encodeStreamDataHead(d.streamId(), d.data().readableBytes(), head);
            out.add(head);
            out.add(d.data().retain()); // the encoder releases the frame once this returns
            return;
        }
        ByteBuf buf = ctx.alloc().ioBuffer();
        try {
            FrameCodec.encode(frame, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        out.add(buf);
    }
}
