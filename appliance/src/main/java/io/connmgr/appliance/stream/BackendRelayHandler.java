package io.connmgr.appliance.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * The last stage of a back-end connection once its request is understood: it hands the bytes, the end of input and
 * the close to whatever carries the stream ({@link Sink}). Until the stream exists it keeps what the protocol codecs
 * left over (bounded by their own limits; reading is off meanwhile).
 */
public final class BackendRelayHandler extends ChannelInboundHandlerAdapter {

    /** Where a back-end connection's events go. Called on the back-end channel's event loop. */
    interface Sink {
        /** Takes ownership of {@code data}. */
        void read(ChannelHandlerContext ctx, ByteBuf data);

        void inputShutdown();

        /** After each read of the back-end's connection. */
        default void readComplete() {
        }

        void inactive();

        void writabilityChanged(boolean writable);
    }

    private ChannelHandlerContext ctx;
    private Sink sink;
    private List<ByteBuf> early;
    private boolean eof;
    private boolean gone;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts relaying into {@code target}; what arrived before is replayed first. Any thread. */
    void bind(Sink target) {
        ctx.executor().execute(() -> bindHere(target));
    }

    /** {@link #bind}, at once: called on the connection's own event loop. */
    void bindHere(Sink target) {
        sink = target;
        List<ByteBuf> held = early;
        early = null;
        if (held != null) {
            for (ByteBuf b : held) {
                if (gone) {
                    b.release();
                } else {
                    target.read(ctx, b);
                }
            }
        }
        if (eof) {
            target.inputShutdown();
        }
        if (gone) {
            target.inactive();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (sink != null) {
            sink.read(ctx, data);
            return;
        }
        if (early == null) {
            early = new ArrayList<>(2);
        }
        early.add(data);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.readComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            eof = true;
            if (sink != null) {
                sink.inputShutdown();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.writabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        gone = true;
        if (sink != null) {
            sink.inactive();
        } else if (early != null) {
            early.forEach(ByteBuf::release);
            early = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (early != null) {
            early.forEach(ByteBuf::release);
            early = null;
        }
    }
}
