package io.connmgr.protocol.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * One direction of a raw byte relay between two epoll TCP sockets, moved with splice(2): socket → pipe → socket in
 * the kernel, so the bytes never enter the JVM. Netty's {@link AbstractEpollStreamChannel#spliceTo} does the moving;
 * this class adds what that leaves to its caller:
 * <ul>
 *   <li><b>Bytes read before the splice began</b> (what a handshake's decoder had left over) go out first:
 *   {@link #early}. Once splicing, the source is never read into buffers again.</li>
 *   <li><b>The end of the stream.</b> Netty reports the peer's FIN ({@code ChannelInputShutdownEvent}) from the read
 *   in which it saw EPOLLRDHUP, and that read splices at most one read's worth (nothing at all while the pipe is
 *   full), so bytes the peer sent before its FIN may still be queued in the socket. Splice cannot tell the end of
 *   the stream from "nothing yet", so it can neither find them nor stop: the source would be polled forever at EOF.
 *   After the FIN this class therefore stops splicing and reads what is left as buffers, writes them behind the
 *   spliced bytes, and shuts the target's output down only once every byte before the FIN has been written.</li>
 *   <li><b>Memory.</b> Netty stops reading the source while a pipe's worth (64 KiB by default) is not yet written to
 *   the target; the tail after the FIN is read only while the target is writable.</li>
 * </ul>
 * Both channels must be registered to the same event loop, allow half-closure, and every method here is called on
 * that loop. The caller forwards the source's events ({@link #inputShutdown}, {@link #readComplete}) and the target's
 * writability ({@link #targetWritabilityChanged}), and ends the relay when the {@link Listener} says so.
 */
public final class SpliceDirection {
    private static final int TAIL_CHUNK = 64 * 1024;

    /** What a direction tells its relay. Called on the channels' event loop. */
    public interface Listener {
        /** Bytes that passed through the JVM as buffers: those read before splicing began, and the tail. */
        default void copied(int bytes) {
        }

        /** Every byte of this direction is written and the target's output is shut down. */
        void finished();

        /** This direction broke (a reset, a failed write, a channel closed): the relay should end. */
        void failed(Throwable cause);
    }

    private final AbstractEpollStreamChannel from;
    private final AbstractEpollStreamChannel to;
    private final Listener listener;
    private boolean started;
    private boolean eof;
    private boolean done;
    private boolean failed;
    private long tailBytes;

    public SpliceDirection(Channel from, Channel to, Listener listener) {
        if (!supported(from, to)) {
            throw new IllegalArgumentException("splice needs two epoll stream channels");
        }
        this.from = (AbstractEpollStreamChannel) from;
        this.to = (AbstractEpollStreamChannel) to;
        this.listener = listener;
    }

    /**
     * Whether the two channels can be spliced: both native epoll stream sockets, neither behind TLS (its bytes on the
     * socket are ciphertext that only its SslHandler can read and write).
     */
    public static boolean supported(Channel a, Channel b) {
        return a instanceof AbstractEpollStreamChannel && b instanceof AbstractEpollStreamChannel
                && a.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null
                && b.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null;
    }

    /**
     * Bytes the source delivered as a buffer: before {@link #start} (written behind anything already queued and
     * flushed by start), or, should Netty ever fall back to a buffer read while splicing, at once. Takes ownership.
     */
    public void early(ByteBuf data) {
        if (done || failed) {
            data.release();
            return;
        }
        listener.copied(data.readableBytes());
        if (started) {
            to.writeAndFlush(data, to.voidPromise());
        } else {
            to.write(data, to.voidPromise());
        }
    }

    /** Starts splicing (both channels on one loop). Reading the source is turned on here, and managed here after. */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        if (done || failed) {
            return;
        }
        to.flush();
        if (eof) {
            drainTail();
            return;
        }
        try {
            from.spliceTo(to, Integer.MAX_VALUE).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(f.cause());
                }
            });
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        from.config().setAutoRead(true);
    }

    /** The source's peer sent its FIN (the source's {@code ChannelInputShutdownEvent}). */
    public void inputShutdown() {
        if (eof) {
            return;
        }
        eof = true;
        if (started) {
            drainTail();
        }
    }

    /**
     * After each read of the source ({@code channelReadComplete}, splice reads included). At end of stream a splice
     * finds nothing and would be retried for as long as reading is on; a pipe write that completes turns reading
     * back on, so it is turned off again here.
     */
    public void readComplete() {
        if (!eof || !started) {
            return;
        }
        if (done || failed) {
            from.config().setAutoRead(false);
        } else {
            drainTail();
        }
    }

    /** The target's writability changed: the tail after the FIN may go on. */
    public void targetWritabilityChanged() {
        if (eof && started && !done && !failed && to.isWritable()) {
            drainTail();
        }
    }

    /** True once this direction has passed its FIN on. */
    public boolean finished() {
        return done;
    }

    /** Bytes read after the FIN as buffers (tests look at it). */
    long tailBytes() {
        return tailBytes;
    }

    /**
     * After the FIN nothing more arrives: what the socket still holds is read until the end of stream, in chunks,
     * while the target is writable. Written behind the pipe's writes, so the order holds.
     */
    private void drainTail() {
        if (done || failed) {
            return;
        }
        from.config().setAutoRead(false);
        boolean wrote = false;
        try {
            while (true) {
                if (!to.isActive()) {
                    fail(new ClosedChannelException());
                    return;
                }
                if (!to.isWritable()) {
                    return; // targetWritabilityChanged goes on
                }
                ByteBuf buf = from.alloc().directBuffer(TAIL_CHUNK);
                int n;
                try {
                    ByteBuffer nio = buf.internalNioBuffer(0, TAIL_CHUNK);
                    n = from.fd().read(nio, nio.position(), nio.limit());
                } catch (IOException | RuntimeException e) {
                    buf.release();
                    fail(e);
                    return;
                }
                if (n <= 0) {
                    // End of stream (after SHUT_RD there is no "try again"): every byte is queued for the target.
                    buf.release();
                    finish();
                    return;
                }
                buf.writerIndex(n);
                tailBytes += n;
                listener.copied(n);
                to.write(buf, to.voidPromise());
                wrote = true;
            }
        } finally {
            if (wrote) {
                to.flush();
            }
        }
    }

    private void finish() {
        done = true;
        from.config().setAutoRead(false);
        // Behind everything queued (pipe writes and buffers): the FIN goes only after the last byte.
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                failed = true;
                listener.failed(f.cause());
                return;
            }
            if (to.isActive() && !to.isOutputShutdown()) {
                to.shutdownOutput().addListener(s -> {
                    if (s.isSuccess()) {
                        listener.finished();
                    } else {
                        failed = true;
                        listener.failed(s.cause());
                    }
                });
            } else {
                failed = true;
                listener.failed(new ClosedChannelException());
            }
        });
    }

    private void fail(Throwable cause) {
        if (done || failed) {
            return; // a closing relay fails the splice that is still queued: nothing left to report
        }
        failed = true;
        listener.failed(cause);
    }
}
