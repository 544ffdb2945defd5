package io.connmgr.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Stateless, so one instance serves every channel. STREAM_DATA goes out as its 9-byte head followed by the data
 * buffer itself, as on the device link: relayed bytes are not copied on their way through.
 */
@ChannelHandler.Sharable
public final class BackendFrameEncoder extends MessageToMessageEncoder<BackendFrame> {
    public static final BackendFrameEncoder INSTANCE = new BackendFrameEncoder();

    private BackendFrameEncoder() {
        super(BackendFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BackendFrame frame, List<Object> out) {
        if (frame instanceof BackendFrame.StreamData d) {
            ByteBuf head = ctx.alloc().ioBuffer(BackendCodec.STREAM_DATA_HEAD_BYTES);
            try {
                BackendCodec.encodeStreamDataHead(d.streamId(), d.fin(), d.data().readableBytes(), head);
            } catch (RuntimeException e) {
                head.release();
                throw e;
            }
            out.add(head);
            out.add(d.data().retain()); // the encoder releases the frame once this returns
            return;
        }
        ByteBuf buf = ctx.alloc().ioBuffer();
        try {
            BackendCodec.encode(frame, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        out.add(buf);
    }
}
