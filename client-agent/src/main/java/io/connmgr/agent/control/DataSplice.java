package io.connmgr.agent.control;

import io.connmgr.protocol.relay.SpliceDirection;
import io.netty.buffer.ByteBuf;
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

import java.util.ArrayList;
import java.util.List;

/**
 * A stream in DATA_CONNECTION mode: the local connection and a dedicated connection to the appliance, joined byte for
 * byte. On epoll (both sockets on the client's one loop) the bytes are moved with splice(2) and never enter the JVM
 * ({@link SpliceDirection}); otherwise, or with splicing switched off, they are copied, and backpressure is TCP's own:
 * when one side's outbound buffer passes its high-water mark, the other side stops being read until it drains. What
 * the local service sends before the data connection is attached (a service that speaks first, or answers and closes
 * at once) is kept and goes first. A half-close is passed on as a half-close after the bytes before it; the splice
 * ends when both directions have ended or either connection closes. Confined to the event loop.
 */
final class DataSplice {
    private static final Logger log = LoggerFactory.getLogger(DataSplice.class);

    private final StreamTable table;
    final String label;
    private final boolean spliceWanted;
    private Channel local;
    private Channel data;
    /** What the local side read before the data connection was attached; null afterwards. */
    private List<ByteBuf> localEarly = new ArrayList<>(1);
    private boolean localEofEarly;
    /** Both set when splicing: local → appliance and appliance → local. */
    private SpliceDirection up;
    private SpliceDirection down;
    private int directionsEnded;
    private boolean ended;

    DataSplice(StreamTable table, String label, boolean splice) {
        this.table = table;
        this.label = label;
        this.spliceWanted = splice;
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

    /**
     * The appliance took the token: from here every byte on {@code channel} is the stream's. Called while the answer's
     * decoder is still in place; the bytes it holds beyond the answer arrive right after, through the relay.
     */
    void attached(Channel channel) {
        this.data = channel;
        if (ended) {
            return;
        }
        List<ByteBuf> held = localEarly;
        localEarly = null;
        if (spliceWanted && SpliceDirection.supported(local, data)) {
            log.debug("data connection {}: attached, splicing", label);
            up = new SpliceDirection(local, data, direction("local"));
            down = new SpliceDirection(data, local, direction("appliance"));
            held.forEach(up::early);
            if (localEofEarly) {
                up.inputShutdown();
            }
            // After the answer's decoder has left and handed on what it held.
            data.eventLoop().execute(() -> {
                if (!ended) {
                    up.start();
                    down.start();
                }
            });
            return;
        }
        log.debug("data connection {}: attached, copying", label);
        for (ByteBuf b : held) {
            data.write(b, data.voidPromise());
        }
        data.flush();
        if (localEofEarly) {
            passFin(data);
        }
        resumeReading(local);
        resumeReading(data);
    }

    private SpliceDirection.Listener direction(String from) {
        return new SpliceDirection.Listener() {
            @Override
            public void finished() {
                if (++directionsEnded == 2) {
                    close();
                }
            }

            @Override
            public void failed(Throwable cause) {
                log.debug("data connection {}: relaying from the {} side failed: {}", label, from,
                        LinkHandler.describe(cause));
                close();
            }
        };
    }

    /**
     * A side that has sent its FIN has nothing more to read; reading it again would only find the end again. Checked
     * on the channel's own loop, where the FIN is processed, so the check cannot go stale.
     */
    private static void resumeReading(Channel channel) {
        channel.eventLoop().execute(() -> {
            if (!(channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) && channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        });
    }

    /** Copying: {@code peer}'s output is shut once what was written to it has gone out. */
    private void passFin(Channel peer) {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f ->
                ((DuplexChannel) peer).shutdownOutput().addListener(g -> {
                    if (++directionsEnded == 2) {
                        close();
                    }
                }));
    }

    /** Ends the splice: both connections close once what they already hold is written. */
    void close() {
        if (!ended) {
            ended = true;
            log.debug("data connection {}: closed", label);
            table.spliceEnded(this);
            if (localEarly != null) {
                localEarly.forEach(ByteBuf::release);
                localEarly.clear();
            }
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

        /** The spliced direction this side feeds, or null when copying (or not attached yet). */
        private SpliceDirection from() {
            return fromLocal ? up : down;
        }

        /** The spliced direction that writes to this side. */
        private SpliceDirection into() {
            return fromLocal ? down : up;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ended || !(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (from() != null) {
                from().early(buf);
                return;
            }
            if (fromLocal && localEarly != null) {
                localEarly.add(buf); // not attached yet: goes first once it is
                return;
            }
            Channel peer = peer();
            if (peer == null || !peer.isActive()) {
                buf.release();
                return;
            }
            peer.write(buf, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (from() != null) {
                from().readComplete();
                return;
            }
            Channel peer = peer();
            if (peer != null && (!fromLocal || localEarly == null)) {
                peer.flush();
                if (!peer.isWritable()) {
                    ctx.channel().config().setAutoRead(false); // resumed by the peer's writability change
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (into() != null) {
                into().targetWritabilityChanged();
            } else {
                Channel peer = peer();
                if (ctx.channel().isWritable() && peer != null && !ended && (fromLocal || localEarly == null)) {
                    resumeReading(peer);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && !ended) {
                if (from() != null) {
                    from().inputShutdown();
                } else if (fromLocal && localEarly != null) {
                    localEofEarly = true; // passed on once attached
                } else if (peer() == null) {
                    close();
                } else {
                    passFin(peer());
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
