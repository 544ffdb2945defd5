package io.connmgr.agent.control;

import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * One multiplexed stream: a local TCP connection relayed as STREAM_DATA on the device link, with credit-based flow
 * control in both directions. Also the last handler of the local channel's pipeline. Confined to the event loop.
 *
 * <p>Towards the appliance it never sends more than the window the appliance granted: bytes read beyond it wait in
 * {@link #pending} and the local socket stops being read (autoRead off) until STREAM_WINDOW arrives. It also stops
 * reading while the device link itself is not writable, so stream data cannot crowd out keep-alives. Towards the local
 * socket it grants the appliance more window only once the local socket has taken the bytes, in one STREAM_WINDOW per
 * half window, so a slow local reader stops its own stream and nothing else.
 */
final class MuxStream extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MuxStream.class);

    enum State {
        /** Appliance-opened: connecting to the local service. */
        CONNECTING,
        /** Device-opened: STREAM_OPEN sent, waiting for STREAM_OPEN_RESULT. */
        OPENING,
        OPEN,
        DONE
    }

    final int id;
    /** For log lines: "port 22 (127.0.0.1:22)" or "service telemetry". */
    final String label;
    private final StreamTable table;
    private final Channel link;
    private final long recvWindow;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private Channel local;
    private State state;
    private long sendWindow;
    private long recvRemaining;
    private long consumed;
    private boolean localEof;
    private boolean closeSent;
    private boolean closeReceived;
    private ChannelFuture outputShut;
    private long bytesIn;
    private long bytesOut;
    /** A write in {@link #drain} can make the link unwritable, which calls back into drain: not re-entered. */
    private boolean draining;
    /** Written to the local socket since the link's last read completed; {@link StreamTable#flushLocals} flushes. */
    private boolean flushPending;

    MuxStream(StreamTable table, Channel link, int id, String label, State initial, long recvWindow) {
        this.table = table;
        this.link = link;
        this.id = id;
        this.label = label;
        this.state = initial;
        this.recvWindow = recvWindow;
        this.recvRemaining = recvWindow;
    }

    State state() {
        return state;
    }

    /** The local connection is there (connected or accepted); it does not read until the stream is open. */
    void localConnected(Channel channel) {
        this.local = channel;
    }

    /** Both sides agreed; {@code peerWindow} is what the appliance may receive before it grants more. */
    void opened(long peerWindow) {
        state = State.OPEN;
        sendWindow += peerWindow;
        log.debug("stream {} {}: open (send window {}, receive window {})", unsigned(), label, peerWindow, recvWindow);
        drain();
    }

    // ---- local socket -> appliance ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DONE || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending.addLast(buf);
        drain();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && state != State.DONE) {
            localEof = true;
            log.debug("stream {} {}: local side finished sending", unsigned(), label);
            drain();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            log.debug("stream {} {}: local connection closed, resetting", unsigned(), label);
            reset(StreamStatus.CANCELLED);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("stream {} {}: local connection failed: {}", unsigned(), label, LinkHandler.describe(cause));
        ctx.close();
    }

    /** Sends what the window allows, then decides whether to read more from the local socket. */
    private void drain() {
        if (state != State.OPEN || draining) {
            return;
        }
        draining = true;
        try {
            drain0();
        } finally {
            draining = false;
        }
    }

    private void drain0() {
        boolean wrote = false;
        int maxData = table.maxDataBytes();
        while (!pending.isEmpty() && sendWindow > 0) {
            ByteBuf buf = pending.peekFirst();
            int n = (int) Math.min(Math.min(buf.readableBytes(), sendWindow), maxData);
            if (n > 0) {
                link.write(new StreamData(id, buf.readRetainedSlice(n)), link.voidPromise());
                sendWindow -= n;
                bytesOut += n;
                wrote = true;
            }
            if (!buf.isReadable()) {
                pending.pollFirst().release();
            }
        }
        if (pending.isEmpty() && localEof && !closeSent) {
            closeSent = true;
            link.write(new StreamClose(id), link.voidPromise());
            wrote = true;
        }
        if (wrote) {
            link.flush();
        }
        boolean read = pending.isEmpty() && sendWindow > 0 && !localEof && link.isWritable();
        if (local.config().isAutoRead() != read) {
            local.config().setAutoRead(read);
            if (!read && !localEof && sendWindow == 0) {
                log.debug("stream {} {}: appliance window exhausted, pausing the local socket", unsigned(), label);
            }
        }
        maybeFinish();
    }

    /** The link became writable (or not): send what the window allows and read again if it may. */
    void resume() {
        drain();
    }

    // ---- appliance -> local socket ----

    void onWindow(long increment) {
        if (state == State.DONE) {
            return;
        }
        sendWindow += increment; // before OK this adds to the window the OK brings
        drain();
    }

    /** Takes ownership of the frame. */
    void onData(StreamData data) {
        int n = data.data().readableBytes();
        if (state != State.OPEN || closeReceived) {
            data.release();
            log.info("stream {} {}: data {} from the appliance, resetting", unsigned(), label,
                    closeReceived ? "after its STREAM_CLOSE" : "before the stream was open");
            reset(StreamStatus.FAILED);
            return;
        }
        if (n > recvRemaining) {
            data.release();
            log.info("stream {} {}: appliance sent {} bytes with {} bytes of window left, resetting", unsigned(),
                    label, n, recvRemaining);
            reset(StreamStatus.FLOW_CONTROL_ERROR);
            return;
        }
        recvRemaining -= n;
        bytesIn += n;
        // Flushed once per read of the link (a read carries several frames), not once per frame.
        local.write(data.data()).addListener(f -> {
            if (f.isSuccess()) {
                consumed(n);
            }
        });
        if (!flushPending) {
            flushPending = true;
            table.flushLater(this);
        }
    }

    void flushLocal() {
        flushPending = false;
        if (local != null) {
            local.flush();
        }
    }

    private void consumed(int n) {
        if (state == State.DONE || closeReceived) {
            return; // no more data comes; no window to grant
        }
        consumed += n;
        if (consumed >= Math.max(1, recvWindow / 2)) {
            recvRemaining += consumed;
            link.writeAndFlush(new StreamWindow(id, consumed), link.voidPromise());
            consumed = 0;
        }
    }

    void onClose() {
        if (state == State.DONE || closeReceived) {
            return;
        }
        if (state != State.OPEN) {
            log.info("stream {} {}: STREAM_CLOSE from the appliance before the stream was open, resetting",
                    unsigned(), label);
            reset(StreamStatus.FAILED);
            return;
        }
        closeReceived = true;
        log.debug("stream {} {}: appliance finished sending", unsigned(), label);
        // Half-close only after the bytes already queued: shutdownOutput would fail the writes still pending.
        ChannelPromise shut = local.newPromise();
        local.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) local).shutdownOutput(shut));
        outputShut = shut;
        maybeFinish();
    }

    void onReset(StreamStatus reason) {
        if (state == State.DONE) {
            return;
        }
        log.debug("stream {} {}: reset by the appliance ({})", unsigned(), label, reason);
        abort();
    }

    // ---- ending ----

    /** Ends the stream at once and tells the appliance. */
    void reset(StreamStatus reason) {
        if (state == State.DONE) {
            return;
        }
        boolean known = state == State.OPEN || state == State.OPENING;
        abort();
        if (known) {
            table.sendReset(link, id, reason);
        }
    }

    /** Ends the stream at once without a word to the appliance; the local peer sees a TCP reset. */
    void abort() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        table.remove(this);
        releasePending();
        if (local != null) {
            abortLocal(local);
        }
    }

    private void maybeFinish() {
        if (state == State.DONE || !closeSent || !closeReceived) {
            return;
        }
        state = State.DONE;
        table.remove(this);
        releasePending();
        log.debug("stream {} {}: closed ({} bytes in, {} bytes out)", unsigned(), label, bytesIn, bytesOut);
        outputShut.addListener(f -> local.close());
    }

    private void releasePending() {
        ByteBuf buf;
        while ((buf = pending.pollFirst()) != null) {
            buf.release();
        }
    }

    /** Closes with SO_LINGER 0, so the local program gets a reset rather than an orderly end of stream. */
    static void abortLocal(Channel channel) {
        if (channel.isOpen()) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException e) {
                // not connected yet, or the transport refuses: a plain close will do
            }
        }
        channel.close();
    }

    private String unsigned() {
        return Integer.toUnsignedString(id);
    }
}
