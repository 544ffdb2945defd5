package io.connmgr.appliance.stream;

import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The back-end's end of a stream to a device. Waking or waiting for the device, opening the stream on its link and
 * relaying with per-stream credit are the same whoever asked; only the way bytes, credit and endings reach the
 * back-end differ:
 * <ul>
 *   <li>{@link SocketEndpoint}: a TCP connection of the proxy listener (or a back-end service a device links to).
 *   TCP has no credit of its own, so the device is granted more as the socket accepts bytes, and the socket is read
 *   only while the device has room;</li>
 *   <li>{@link FramedEndpoint}: a stream of the back-end control channel, which has windows of its own. Credit passes
 *   through unchanged both ways, so the appliance holds no more than the two windows allow.</li>
 * </ul>
 *
 * <p>The methods the engine calls while opening may come from any thread; once the stream is bound, the engine calls
 * the rest on the device link's event loop.
 */
public abstract sealed class StreamEndpoint permits SocketEndpoint, FramedEndpoint {

    StreamEndpoint() {
    }

    // ---------------------------------------------------------------- while opening

    /** Where the open's timers (connect-wait, wake retries) run. */
    abstract EventLoop eventLoop();

    /** False once the back-end went away; an open that completes then is reset at once. */
    abstract boolean isActive();

    /** Completes when the back-end has gone, ending an open that is still waiting. */
    abstract Future<?> closeFuture();

    /**
     * Whether a device's data connection (or a connection a connection-initiating device dials in) can be joined to
     * this end. Ends that cannot take only multiplexed streams.
     */
    abstract boolean joinsDataConnections();

    /** Bytes the device may send before this end grants more; {@code applianceWindow} is the configured window. */
    abstract long receiveWindow(long applianceWindow);

    /** Consumed bytes are returned to the device once this many have gathered. */
    abstract long grantThreshold(long receiveWindow);

    // ---------------------------------------------------------------- a multiplexed stream, on the device link's loop

    /** The stream is open; the device granted {@code deviceWindow}. This end starts handing the back-end's side over. */
    abstract void bind(MuxStream stream, long deviceWindow);

    /** Bytes from the device; ownership passes. The end reports them consumed through the stream when they are. */
    abstract void deliver(ByteBuf data);

    /** The device granted {@code increment} more bytes. */
    abstract void deliverCredit(long increment);

    /** The device sends nothing more: half-close towards the back-end, after the bytes delivered before. */
    abstract void deliverFin();

    /** Whether the back-end's bytes should flow now (the device has room and its link takes them). */
    abstract void reading(boolean on);

    /** The stream ended both ways; whatever was delivered still goes out. */
    abstract void finished();

    /** The stream was aborted with {@code reason}. */
    abstract void aborted(StreamStatus reason);

    // ---------------------------------------------------------------- a data connection

    /**
     * Joins a device's data connection to this end byte for byte; only for ends that {@link #joinsDataConnections()}.
     * The returned relay is started with {@link #start} once the data connection's pipeline is ready.
     *
     * @param splice relay with splice(2) where both sockets allow it (else copy through the JVM)
     */
    abstract DataConnectionRelay join(Channel dataConnection, StreamMetrics metrics, boolean splice, Runnable onEnd);

    /** Starts a relay {@link #join} made: bytes flow both ways from now on. */
    abstract void start(DataConnectionRelay joined);
}
