package io.connmgr.appliance.stream;

import io.connmgr.protocol.relay.SpliceDirection;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;

/**
 * A back-end TCP connection as the end of a stream: the proxy's client, or the back-end service a device opened a
 * link to. Its pipeline ends in {@code relay}, with reading off until the stream can take bytes.
 */
public final class SocketEndpoint extends StreamEndpoint implements BackendRelayHandler.Sink {
    private final Channel channel;
    private final BackendRelayHandler relay;
    /** Set before the relay is bound, which happens-before every Sink call. */
    private volatile MuxStream stream;
    /** Device loop only. */
    private ChannelFuture lastWrite;
    /** Whether the socket should be read, as last decided (see {@link #reading}). */
    private volatile boolean wantReading;

    public SocketEndpoint(Channel channel, BackendRelayHandler relay) {
        this.channel = channel;
        this.relay = relay;
    }

    Channel channel() {
        return channel;
    }

    @Override
    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    boolean isActive() {
        return channel.isActive();
    }

    @Override
    Future<?> closeFuture() {
        return channel.closeFuture();
    }

    @Override
    boolean joinsDataConnections() {
        return true;
    }

    @Override
    long receiveWindow(long applianceWindow) {
        return applianceWindow;
    }

    @Override
    long grantThreshold(long receiveWindow) {
        // Half a window at a time: fewer STREAM_WINDOW frames, and the device never waits on a full round trip.
        return Math.max(1, receiveWindow / 2);
    }

    @Override
    void bind(MuxStream s, long deviceWindow) {
        stream = s;
        relay.bind(this);
    }

    // ---------------------------------------------------------------- back-end side (its loop)

    @Override
    public void read(ChannelHandlerContext ctx, ByteBuf data) {
        stream.fromBackend(data);
    }

    @Override
    public void inputShutdown() {
        stream.backendFinished();
    }

    @Override
    public void inactive() {
        stream.backendGone(StreamStatus.CANCELLED);
    }

    @Override
    public void writabilityChanged(boolean writable) {
        // Credit comes from completed writes, not from writability.
    }

    // ---------------------------------------------------------------- device loop

    @Override
    void deliver(ByteBuf data) {
        int n = data.readableBytes();
        ChannelFuture write = channel.writeAndFlush(data);
        lastWrite = write;
        // TCP has no credit of its own: a byte the socket took is a byte the device may send again.
        write.addListener(f -> {
            if (f.isSuccess()) {
                stream.backendConsumed(n);
            }
        });
    }

    @Override
    void deliverCredit(long increment) {
        // The socket is read against this credit through reading(); nothing to tell a TCP peer.
    }

    @Override
    void deliverFin() {
        ChannelFuture w = lastWrite;
        if (w == null) {
            shutdownOutput();
        } else {
            w.addListener(f -> shutdownOutput());
        }
    }

    private void shutdownOutput() {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
        }
    }

    /**
     * Called from the device link's loop (credit, writability) and this channel's (credit used up). What reading
     * should be is decided by the last call and applied on this channel's loop: turning reading on there hops a
     * second time (Reading), and a stop decided meanwhile against the stale flag would be lost, leaving the socket
     * read while the device link cannot take its bytes.
     */
    @Override
    void reading(boolean on) {
        wantReading = on;
        if (channel.eventLoop().inEventLoop()) {
            applyReading();
        } else {
            channel.eventLoop().execute(this::applyReading);
        }
    }

    private void applyReading() {
        boolean on = wantReading;
        if (channel.config().isAutoRead() != on) {
            if (on) {
                Reading.resume(channel); // on this loop: at once
            } else {
                channel.config().setAutoRead(false);
            }
        }
    }

    @Override
    void finished() {
        ChannelFuture w = lastWrite;
        if (w == null) {
            channel.close();
        } else {
            w.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    void aborted(StreamStatus reason) {
        channel.close();
    }

    @Override
    DataConnectionRelay join(Channel dataConnection, StreamMetrics metrics, boolean splice, Runnable onEnd) {
        boolean spliced = splice && SpliceDirection.supported(dataConnection, channel);
        metrics.dataConnectionRelay(spliced);
        return spliced ? new SplicedDataConnection(dataConnection, channel, metrics, onEnd)
                : new DataConnectionPipe(dataConnection, channel, metrics, onEnd);
    }

    @Override
    void start(DataConnectionRelay joined) {
        joined.start(relay);
    }
}
