package io.connmgr.appliance.stream;

import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream carried in STREAM_DATA frames on the device link, relayed to a back-end connection, with per-stream
 * credit in both directions:
 * <ul>
 *   <li>back-end → device: the back-end is read only while the device's window has credit and the device link is
 *   writable; a read that overshoots waits in {@code pending} (at most one read's worth);</li>
 *   <li>device → back-end: the device may have {@code window} bytes in flight; credit is granted back (STREAM_WINDOW)
 *   as the back-end socket accepts the bytes, half a window at a time, so a slow back-end holds at most one window
 *   of this stream in memory and stalls only this stream.</li>
 * </ul>
 * State changes on the device link's event loop; {@link BackendRelayHandler.Sink} calls arrive on the back-end's and
 * hop over.
 */
final class MuxStream implements BackendRelayHandler.Sink {

    private final DeviceStreams link;
    final int id;
    final StreamMetrics.Kind kind;
    private final Channel backend;
    private final int window;
    /** Largest STREAM_DATA payload this stream sends. */
    private final int maxChunk;
    private final StreamMetrics metrics;
    /** Read gate for the back-end, decremented on the back-end's loop as bytes are read. */
    private final AtomicLong readCredit = new AtomicLong();
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private long sendWindow;
    private long receiveAvailable;
    private long consumed;
    private boolean backendEof;
    private boolean localClosed;
    private boolean remoteClosed;
    private boolean done;
    private ChannelFuture lastWrite;

    MuxStream(DeviceStreams link, int id, StreamMetrics.Kind kind, Channel backend, int window, int maxChunk,
              StreamMetrics metrics) {
        this.link = link;
        this.id = id;
        this.kind = kind;
        this.backend = backend;
        this.window = window;
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

    // ---------------------------------------------------------------- back-end side (back-end loop)

    @Override
    public void read(ChannelHandlerContext ctx, ByteBuf data) {
        if (readCredit.addAndGet(-data.readableBytes()) <= 0) {
            ctx.channel().config().setAutoRead(false);
        }
        if (link.loop.inEventLoop()) {
            queue(data); // the back-end shares the link's loop: no task, no wake-up
        } else {
            link.loop.execute(() -> queue(data));
        }
    }

    @Override
    public void inputShutdown() {
        link.loop.execute(() -> {
            backendEof = true;
            drain();
            updateRead();
        });
    }

    @Override
    public void inactive() {
        link.loop.execute(() -> reset(StreamStatus.CANCELLED));
    }

    @Override
    public void writabilityChanged(boolean writable) {
        // Credit comes from completed writes, not from writability.
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

    /** Reads the back-end only while bytes can go on at once. */
    void updateRead() {
        boolean want = !done && !backendEof && readCredit.get() > 0 && link.channel.isWritable();
        if (backend.config().isAutoRead() != want) {
            if (want) {
                Reading.resume(backend);
            } else {
                backend.config().setAutoRead(false);
            }
        }
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
        ChannelFuture write = backend.writeAndFlush(data);
        lastWrite = write;
        write.addListener(f -> {
            if (f.isSuccess()) {
                link.loop.execute(() -> consumed(n));
            }
        });
    }

    private void consumed(int n) {
        if (done || remoteClosed) {
            return;
        }
        consumed += n;
        if (consumed >= Math.max(1, window / 2)) {
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
        drain();
        updateRead();
    }

    /** STREAM_CLOSE from the device: half-close the back-end once what was written has gone out. */
    void remoteClose() {
        if (done || remoteClosed) {
            return;
        }
        remoteClosed = true;
        ChannelFuture w = lastWrite;
        if (w == null) {
            shutdownBackendOutput();
        } else {
            w.addListener(f -> shutdownBackendOutput());
        }
        maybeFinish();
    }

    private void shutdownBackendOutput() {
        if (backend instanceof DuplexChannel duplex && backend.isActive()) {
            duplex.shutdownOutput();
        }
    }

    private void maybeFinish() {
        if (!done && localClosed && remoteClosed) {
            done = true;
            releasePending();
            ChannelFuture w = lastWrite;
            if (w == null) {
                backend.close();
            } else {
                w.addListener(ChannelFutureListener.CLOSE);
            }
            link.ended(this);
        }
    }

    /** Aborts the stream from this side: the device is told, the back-end closed. */
    void reset(StreamStatus reason) {
        if (done) {
            return;
        }
        link.channel.writeAndFlush(new StreamReset(id, reason));
        abort();
    }

    /** STREAM_RESET from the device, or the device link ended. */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        releasePending();
        backend.close();
        link.ended(this);
    }

    private void releasePending() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
    }
}
