package io.connmgr.loadtest.fleet;

import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.Wire;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.CompletableFuture;

/**
 * One device: handshakes, answers the appliance's PINGs, counts PONGs, and completes a pending MSG when its ACK
 * arrives. State is touched only on the channel's event loop, except the futures, which are thread-safe.
 */
final class SimulatedDevice extends ChannelInboundHandlerAdapter {
    private final String deviceId;
    private final byte[] credential;
    private final FleetCounters counters;
    final CompletableFuture<SimulatedDevice> welcomed = new CompletableFuture<>();
    private volatile CompletableFuture<Long> pendingAck;
    private volatile long pendingSeq;
    private long nextSeq = 1;
    private volatile io.netty.channel.Channel channel;
    private volatile boolean wasWelcomed;

    SimulatedDevice(String deviceId, byte[] credential, FleetCounters counters) {
        this.deviceId = deviceId;
        this.credential = credential;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.writeAndFlush(new Hello(Wire.PROTOCOL_VERSION, 0, 0, deviceId, credential, null));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch ((Frame) msg) {
            case Welcome w -> {
                if (welcomed.complete(this)) {
                    wasWelcomed = true;
                    counters.welcomed.increment();
                }
            }
            case Reject r -> welcomed.completeExceptionally(
                    new IllegalStateException(deviceId + " rejected: " + r.reasonCode() + " " + r.message()));
            case Pong p -> counters.pongs.increment();
            case Ping p -> ctx.writeAndFlush(Pong.INSTANCE);
            case Ack a -> {
                CompletableFuture<Long> f = pendingAck;
                if (f != null && a.seq() >= pendingSeq) {
                    f.complete(System.nanoTime());
                }
            }
            case GoAway g -> counters.goaways.increment();
            default -> { }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.closed.increment();
        if (wasWelcomed) {
            counters.dropped.increment();
        }
        welcomed.completeExceptionally(new IllegalStateException(deviceId + " closed before WELCOME"));
        CompletableFuture<Long> f = pendingAck;
        if (f != null) {
            f.completeExceptionally(new IllegalStateException(deviceId + " closed"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Sends one MSG; the future completes with System.nanoTime() of the matching ACK. Call from one thread. */
    CompletableFuture<Long> sendMsg(byte[] payload) {
        if (!isOpen()) {
            // A closed device would never see its ACK: fail now rather than after the timeout.
            return CompletableFuture.failedFuture(new IllegalStateException(deviceId + " is not connected"));
        }
        CompletableFuture<Long> f = new CompletableFuture<>();
        pendingSeq = nextSeq;
        pendingAck = f;
        channel.writeAndFlush(new Msg(nextSeq++, payload));
        return f;
    }

    void sendPing() {
        channel.writeAndFlush(Ping.INSTANCE, channel.voidPromise());
    }

    io.netty.channel.EventLoop eventLoop() {
        return channel.eventLoop();
    }

    boolean isOpen() {
        io.netty.channel.Channel c = channel;
        return c != null && c.isActive();
    }
}
