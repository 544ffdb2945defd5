package io.connmgr.agent.control;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream in DATA_CONNECTION mode: the local connection and a dedicated connection to the appliance, spliced byte
 * for byte. Backpressure is TCP's own: when one side's outbound buffer passes its high-water mark, the other side
 * stops being read until it drains. A half-close is passed on as a half-close; the splice ends when both directions
 * have ended or either connection closes. Confined to the event loop.
 */
final class DataSplice {
    private static final Logger log = LoggerFactory.getLogger(DataSplice.class);

    private final StreamTable table;
    final String label;
    private Channel local;
    private Channel data;
    private int directionsEnded;
    private boolean ended;

    DataSplice(StreamTable table, String label) {
        this.table = table;
        this.label = label;
    }

    /** The handler relaying what {@code ctx.channel()} reads into the other connection. */
    ChannelInboundHandlerAdapter relayFromLocal() {
        return new Relay(true);
    }

    ChannelInboundHandlerAdapter relayFromData() {
        return new Relay(false);
    }

    void localConnected(Channel channel) {
        this.local = channel;
    }

    /** The data connection is up and STREAM_ATTACH is written: start moving bytes. */
    void attached(Channel channel) {
        this.data = channel;
        log.debug("data connection {}: attached", label);
        resumeReading(local);
        resumeReading(data);
    }

    /**
     * A side that has sent its FIN has nothing more to read; asking epoll to read it again fails, and the failure
     * would close the connection before the bytes still owed to it are written. Checked on the channel's own loop,
     * where the FIN is processed, so the check cannot go stale.
     */
    private static void resumeReading(Channel channel) {
        channel.eventLoop().execute(() -> {
            if (!(channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) && channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        });
    }

    /** Ends the splice: both connections close once what they already hold is written. */
    void close() {
        if (!ended) {
            ended = true;
            log.debug("data connection {}: closed", label);
            table.spliceEnded(this);
        }
        closeAfterFlush(local);
        closeAfterFlush(data);
    }

    private static void closeAfterFlush(Channel channel) {
        if (channel != null && channel.isOpen()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class Relay extends ChannelInboundHandlerAdapter {
        private final boolean fromLocal;

        Relay(boolean fromLocal) {
            this.fromLocal = fromLocal;
        }

        private Channel peer() {
            return fromLocal ? data : local;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel peer = peer();
            if (peer == null || !peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (peer != null) {
                peer.flush();
                if (!peer.isWritable()) {
                    ctx.channel().config().setAutoRead(false); // resumed by the peer's writability change
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (ctx.channel().isWritable() && peer != null && !ended) {
                resumeReading(peer);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                Channel peer = peer();
                if (peer == null) {
                    close();
                } else {
                    peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f ->
                            ((DuplexChannel) peer).shutdownOutput().addListener(g -> {
                                if (++directionsEnded == 2) {
                                    close();
                                }
                            }));
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("data connection {}: {} connection failed: {}", label, fromLocal ? "local" : "appliance",
                    LinkHandler.describe(cause));
            ctx.close();
        }
    }
}
