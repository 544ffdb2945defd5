package io.connmgr.appliance.stream;

import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream carried in STREAM_DATA frames on the device link, relayed to the back-end's end of it
 * ({@link StreamEndpoint}), with per-stream credit in both directions:
 * <ul>
 *   <li>back-end → device: the back-end's bytes flow only while the device's window has credit and the device link
 *   is writable; a read that overshoots waits in {@code pending} (at most one read's worth);</li>
 *   <li>device → back-end: the device may have {@code window} bytes in flight; credit goes back (STREAM_WINDOW) as
 *   the back-end's end consumes them, so a slow back-end holds at most one window of this stream in memory and
 *   stalls only this stream.</li>
 * </ul>
 * State changes on the device link's event loop; the endpoint's calls may come from other threads and hop over.
 */
final class MuxStream {

    private final DeviceStreams link;
    final int id;
    final StreamMetrics.Kind kind;
    private final StreamEndpoint backend;
    private final long window;
    private final long grantThreshold;
    /** Largest STREAM_DATA payload this stream sends. */
    private final int maxChunk;
    private final StreamMetrics metrics;
    /** Read gate for the back-end, decremented on the back-end's thread as bytes arrive. */
    private final AtomicLong readCredit = new AtomicLong();
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private long sendWindow;
    private long receiveAvailable;
    private long consumed;
    private boolean backendEof;
    private boolean localClosed;
    private boolean remoteClosed;
    private boolean done;

    /** @param window the receive window the device was given in STREAM_OPEN (or gave the appliance's answer) */
    MuxStream(DeviceStreams link, int id, StreamMetrics.Kind kind, StreamEndpoint backend, long window, int maxChunk,
              StreamMetrics metrics) {
        this.link = link;
        this.id = id;
        this.kind = kind;
        this.backend = backend;
        this.window = window;
        this.grantThreshold = backend.grantThreshold(window);
        this.maxChunk = maxChunk;
        this.metrics = metrics;
    }

    /** The stream is open: the device granted {@code deviceWindow}. Device loop. */
    void start(long deviceWindow) {
        sendWindow = deviceWindow;
        readCredit.set(deviceWindow);
        receiveAvailable = window;
        updateRead();
    }

    // ---------------------------------------------------------------- from the back-end's end (its thread)

    /** Bytes from the back-end; ownership passes. */
    void fromBackend(ByteBuf data) {
        if (readCredit.addAndGet(-data.readableBytes()) <= 0) {
            backend.reading(false);
        }
        if (link.loop.inEventLoop()) {
            queue(data); // the back-end shares the link's loop: no task, no wake-up
        } else {
            link.loop.execute(() -> queue(data));
        }
    }

    /** The back-end sends nothing more. */
    void backendFinished() {
        link.loop.execute(() -> {
            backendEof = true;
            drain();
            updateRead();
        });
    }

    /** The back-end went away or aborted the stream. */
    void backendGone(StreamStatus reason) {
        link.loop.execute(() -> reset(reason));
    }

    /** The back-end's end consumed {@code n} bytes of the device's. */
    void backendConsumed(long n) {
        link.loop.execute(() -> consumed(n));
    }

    // ---------------------------------------------------------------- device loop

    private void queue(ByteBuf data) {
        if (done || localClosed) {
            data.release();
            return;
        }
        pending.add(data);
        drain();
    }

    private void drain() {
        boolean wrote = false;
        while (!pending.isEmpty() && sendWindow > 0) {
            ByteBuf head = pending.peek();
            int n = (int) Math.min(Math.min(head.readableBytes(), sendWindow), maxChunk);
            ByteBuf chunk = head.readRetainedSlice(n);
            if (!head.isReadable()) {
                pending.poll().release();
            }
            sendWindow -= n;
            metrics.toDevice(n);
            link.channel.write(new StreamData(id, chunk), link.channel.voidPromise());
            wrote = true;
        }
        if (pending.isEmpty() && backendEof && !localClosed && !done) {
            localClosed = true;
            link.channel.write(new StreamClose(id), link.channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            link.channel.flush();
        }
        maybeFinish();
    }

    /** Lets the back-end's bytes flow only while they can go on at once. */
    void updateRead() {
        backend.reading(!done && !backendEof && readCredit.get() > 0 && link.channel.isWritable());
    }

    void fromDevice(StreamData d) {
        ByteBuf data = d.data();
        int n = data.readableBytes();
        if (done) {
            data.release();
            return;
        }
        if (remoteClosed) {
            data.release();
            reset(StreamStatus.FAILED);
            return;
        }
        if (n > receiveAvailable) {
            data.release();
            metrics.windowViolation();
            reset(StreamStatus.FLOW_CONTROL_ERROR);
            return;
        }
        receiveAvailable -= n;
        metrics.fromDevice(n);
        if (n == 0) {
            data.release();
            return;
        }
        backend.deliver(data);
    }

    private void consumed(long n) {
        if (done || remoteClosed) {
            return;
        }
        consumed += n;
        if (consumed >= grantThreshold) {
            link.channel.writeAndFlush(new StreamWindow(id, consumed));
            receiveAvailable += consumed;
            consumed = 0;
        }
    }

    void windowUpdate(long increment) {
        if (done) {
            return;
        }
        sendWindow += increment;
        readCredit.addAndGet(increment);
        backend.deliverCredit(increment);
        drain();
        updateRead();
    }

    /** STREAM_CLOSE from the device: half-close towards the back-end once what was delivered has gone out. */
    void remoteClose() {
        if (done || remoteClosed) {
            return;
        }
        remoteClosed = true;
        backend.deliverFin();
        maybeFinish();
    }

    private void maybeFinish() {
        if (!done && localClosed && remoteClosed) {
            done = true;
            releasePending();
            backend.finished();
            link.ended(this);
        }
    }

    /** Aborts the stream from this side: the device is told, and so is the back-end's end. */
    void reset(StreamStatus reason) {
        if (done) {
            return;
        }
        link.channel.writeAndFlush(new StreamReset(id, reason));
        abort(reason);
    }

    /** STREAM_RESET from the device, or the device link ended. */
    void abort(StreamStatus reason) {
        if (done) {
            return;
        }
        done = true;
        releasePending();
        backend.aborted(reason);
        link.ended(this);
    }

    private void releasePending() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
    }
}
