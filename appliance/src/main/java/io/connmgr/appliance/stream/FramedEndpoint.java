package io.connmgr.appliance.stream;

import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * A stream of the back-end control channel as the end of a device stream. The control channel has windows of its
 * own, so credit is passed through rather than made up here: the device gets the back-end's window in STREAM_OPEN and
 * the back-end's increments as they come; the back-end gets the device's window and the device's increments. The
 * appliance therefore never holds more of a stream than the window its receiver granted, however slowly either side
 * reads.
 *
 * <p>Only multiplexed streams: a data connection is a bare TCP connection with no credit to pass on.
 *
 * <p>The back-end's side calls {@link #write}, {@link #window}, {@link #close} and {@link #reset} in order from one
 * thread (the control channel's event loop); the device's side reaches the back-end through {@link Peer}, called on
 * the device link's event loop.
 */
public final class FramedEndpoint extends StreamEndpoint {

    /** What the device's side sends towards the back-end. Called on the device link's loop, in order. */
    public interface Peer {
        /** The stream is open and the device granted {@code deviceWindow}; comes before anything else. */
        void opened(long deviceWindow);

        /** Bytes from the device, never beyond the back-end's window; ownership passes. */
        void data(ByteBuf data);

        /** The device may take {@code increment} more bytes. */
        void window(long increment);

        /** The device sends nothing more. */
        void fin();

        /** The stream was aborted on the device's side (or the device's link ended). */
        void reset(StreamStatus reason);
    }

    private final EventLoop loop;
    private final long window;
    private final Peer peer;
    private final Promise<Void> gone;
    private volatile MuxStream stream;

    /**
     * @param loop   where the open's timers run (the control channel's loop serves well)
     * @param window the back-end's receive window for this stream
     */
    public FramedEndpoint(EventLoop loop, long window, Peer peer) {
        this.loop = loop;
        this.window = window;
        this.peer = peer;
        this.gone = new DefaultPromise<>(loop);
    }

    // ---------------------------------------------------------------- the back-end's side

    /** Bytes towards the device, within the window the device granted (the control channel checks); ownership passes. */
    public void write(ByteBuf data) {
        MuxStream s = stream;
        if (s == null) {
            data.release(); // the back-end may not send before the stream is open
            return;
        }
        s.fromBackend(data);
    }

    /** The back-end consumed bytes: the device may send {@code increment} more. */
    public void window(long increment) {
        MuxStream s = stream;
        if (s != null) {
            s.backendConsumed(increment);
        }
    }

    /** The back-end sends nothing more (half-close). */
    public void close() {
        MuxStream s = stream;
        if (s != null) {
            s.backendFinished();
        }
    }

    /**
     * Aborts the stream towards the device with {@code reason}; before it is open, gives the open up (the device is
     * told CANCELLED if it was already asked).
     */
    public void reset(StreamStatus reason) {
        gone.trySuccess(null); // first, so a bind racing with this sees it
        MuxStream s = stream;
        if (s != null) {
            s.backendGone(reason);
        }
    }

    // ---------------------------------------------------------------- the engine's side

    @Override
    EventLoop eventLoop() {
        return loop;
    }

    @Override
    boolean isActive() {
        return !gone.isDone();
    }

    @Override
    Future<?> closeFuture() {
        return gone;
    }

    @Override
    boolean joinsDataConnections() {
        return false;
    }

    @Override
    long receiveWindow(long applianceWindow) {
        return window;
    }

    @Override
    long grantThreshold(long receiveWindow) {
        return 1; // the back-end already grants in batches of its choosing: pass them on as they come
    }

    @Override
    void bind(MuxStream s, long deviceWindow) {
        stream = s;
        peer.opened(deviceWindow);
        if (gone.isDone()) {
            s.backendGone(StreamStatus.CANCELLED); // reset while the device was answering
        }
    }

    @Override
    void deliver(ByteBuf data) {
        peer.data(data);
    }

    @Override
    void deliverCredit(long increment) {
        peer.window(increment);
    }

    @Override
    void deliverFin() {
        peer.fin();
    }

    @Override
    void reading(boolean on) {
        // Nothing to pause: the back-end sends only within the device's window, which the control channel enforces.
    }

    @Override
    void finished() {
        gone.trySuccess(null);
    }

    @Override
    void aborted(StreamStatus reason) {
        gone.trySuccess(null);
        peer.reset(reason);
    }

    @Override
    DataConnectionRelay join(Channel dataConnection, StreamMetrics metrics, boolean splice, Runnable onEnd) {
        throw new IllegalStateException("control-channel streams are multiplexed only");
    }

    @Override
    void start(DataConnectionRelay joined) {
        throw new IllegalStateException("control-channel streams are multiplexed only");
    }
}
