package io.connmgr.appliance.tier.sleep;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.zip.CRC32;

/** Counts and checksums every inbound byte of a channel, in arrival order. */
final class ByteCollector extends ChannelInboundHandlerAdapter {
    private final CRC32 crc = new CRC32();
    private long count;
    private final boolean echo;

    ByteCollector(boolean echo) {
        this.echo = echo;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        synchronized (this) {
            for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
                crc.update(buf.getByte(i));
            }
            count += buf.readableBytes();
        }
        if (echo) {
            ctx.writeAndFlush(buf);
        } else {
            buf.release();
        }
    }

    synchronized long count() {
        return count;
    }

    synchronized long crc() {
        return crc.getValue();
    }
}
