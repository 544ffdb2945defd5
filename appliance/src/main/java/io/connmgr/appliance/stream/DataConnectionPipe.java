package io.connmgr.appliance.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Joins a data connection (the device's side, after STREAM_ATTACH) to the back-end's connection, byte for byte,
 * copying through the JVM (NIO, or with {@code data-connection-splice: false}; else {@link SplicedDataConnection}). Each
 * side is read only while the other can take the bytes (autoRead follows the peer's writability), so memory stays at
 * one read per direction. A half-close is passed on as a half-close; the pipe ends when both sides have finished or
 * either closes.
 */
final class DataConnectionPipe implements DataConnectionRelay {
    private final Channel device;
    private final Channel backend;
    private final StreamMetrics metrics;
    private final Runnable onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger finishedDirections = new AtomicInteger();
    private volatile ChannelFuture lastToDevice;
    private volatile ChannelFuture lastToBackend;

    DataConnectionPipe(Channel device, Channel backend, StreamMetrics metrics, Runnable onEnd) {
        this.device = device;
        this.backend = backend;
        this.metrics = metrics;
        this.onEnd = onEnd;
    }

    @Override
    public ChannelInboundHandlerAdapter deviceSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof ByteBuf data)) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                metrics.fromDevice(data.readableBytes());
                lastToBackend = backend.writeAndFlush(data);
                if (!backend.isWritable()) {
                    device.config().setAutoRead(false);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (device.isWritable()) {
                    Reading.resume(backend);
                }
                ctx.fireChannelWritabilityChanged();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    finishDirection(lastToBackend, backend);
                    return;
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                end();
                ctx.fireChannelInactive();
            }
        };
    }

    /** The sink behind the back-end connection's {@link BackendRelayHandler}. */
    private BackendRelayHandler.Sink backendSide() {
        return new BackendRelayHandler.Sink() {
            @Override
            public void read(ChannelHandlerContext ctx, ByteBuf data) {
                metrics.toDevice(data.readableBytes());
                lastToDevice = device.writeAndFlush(data);
                if (!device.isWritable()) {
                    backend.config().setAutoRead(false);
                }
            }

            @Override
            public void inputShutdown() {
                finishDirection(lastToDevice, device);
            }

            @Override
            public void inactive() {
                end();
            }

            @Override
            public void writabilityChanged(boolean writable) {
                if (writable) {
                    Reading.resume(device);
                }
            }
        };
    }

    /** Binds the back-end's connection and starts reading both sides. */
    @Override
    public void start(BackendRelayHandler relay) {
        relay.bind(backendSide());
        Reading.resume(backend);
        Reading.resume(device);
    }

    private void finishDirection(ChannelFuture lastWrite, Channel towards) {
        if (finishedDirections.incrementAndGet() == 2) {
            end();
            return;
        }
        Runnable shut = () -> {
            if (towards instanceof DuplexChannel duplex && towards.isActive()) {
                duplex.shutdownOutput();
            }
        };
        if (lastWrite == null) {
            shut.run();
        } else {
            lastWrite.addListener(f -> shut.run());
        }
    }

    private void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        // Written bytes go out before the close.
        device.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        onEnd.run();
    }
}
