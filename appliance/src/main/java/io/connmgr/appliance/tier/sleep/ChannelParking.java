package io.connmgr.appliance.tier.sleep;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * Netty side of parking: moves an {@link EpollSocketChannel}'s descriptor out of Netty and back.
 *
 * <p>A detached channel is deregistered but never closed: Netty's file descriptor objects have no Cleaner or
 * finalizer, so once unreferenced the channel is garbage and the kernel socket lives on under the new owner. It
 * stays "open" and "active" in Netty's eyes and its close future never completes, so the caller must drop every
 * reference (channel groups, maps) itself and must not write to it again.
 */
public final class ChannelParking {
    private ChannelParking() {
    }

    /**
     * On the channel's event loop: deregisters the channel from Netty without closing the fd and completes with the
     * fd. Fails if the outbound buffer still holds data or the channel closed meanwhile.
     *
     * <p>Auto-read is turned off first, which removes EPOLLIN from Netty's interest at once: bytes arriving while the
     * deregistration is pending then stay in the kernel for the next owner instead of reaching this pipeline. Bytes
     * the pipeline had already received (a decoder's cumulation) are the caller's to handle.
     */
    public static Future<Integer> detach(EpollSocketChannel ch) {
        Objects.requireNonNull(ch, "ch");
        EventLoop loop = ch.eventLoop();
        Promise<Integer> result = loop.newPromise();
        loop.execute(() -> {
            if (!ch.isOpen() || !ch.isRegistered()) {
                result.setFailure(new ClosedChannelException());
                return;
            }
            ChannelOutboundBuffer outbound = ch.unsafe().outboundBuffer();
            if (outbound != null && outbound.totalPendingWriteBytes() > 0) {
                result.setFailure(new IllegalStateException(
                        outbound.totalPendingWriteBytes() + " outbound bytes still pending; flush before parking"));
                return;
            }
            int fd = ch.fd().intValue();
            ch.config().setAutoRead(false);
            ch.deregister().addListener(f -> {
                if (!f.isSuccess()) {
                    result.setFailure(f.cause());
                } else if (!ch.isOpen()) {
                    // The peer's end of stream was processed before the deregistration: Netty closed the fd.
                    result.setFailure(new ClosedChannelException());
                } else {
                    result.setSuccess(fd);
                }
            });
        });
        return result;
    }

    /**
     * Wraps an existing connected fd in a new EpollSocketChannel and registers it on a loop of the group with
     * AUTO_READ false and the given initializer; completes with the registered channel. The caller fires the pending
     * bytes first, then turns autoRead on (see {@link #resume}), so nothing is reordered. Socket options need no
     * restoring: the kernel keeps them on the descriptor. If registration fails the fd is closed.
     */
    public static Future<EpollSocketChannel> attach(int fd, EventLoopGroup group,
                                                    ChannelInitializer<Channel> init) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(init, "init");
        EventLoop loop = group.next();
        Promise<EpollSocketChannel> result = loop.newPromise();
        EpollSocketChannel ch;
        try {
            ch = new EpollSocketChannel(fd);
        } catch (RuntimeException e) {
            return ImmediateEventExecutor.INSTANCE.<EpollSocketChannel>newPromise().setFailure(e);
        }
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(init);
        loop.register(ch).addListener(f -> {
            if (f.isSuccess()) {
                result.setSuccess(ch);
            } else {
                ch.unsafe().closeForcibly();
                result.setFailure(f.cause());
            }
        });
        return result;
    }

    /**
     * On the channel's event loop: delivers the bytes read while parked as the first channelRead, then turns
     * auto-read on so the kernel's remaining bytes follow in order.
     */
    public static Future<Void> resume(EpollSocketChannel ch, byte[] pending) {
        Objects.requireNonNull(pending, "pending");
        Promise<Void> result = ch.eventLoop().newPromise();
        ch.eventLoop().execute(() -> {
            if (pending.length > 0) {
                ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(pending));
                ch.pipeline().fireChannelReadComplete();
            }
            ch.config().setAutoRead(true);
            result.setSuccess(null);
        });
        return result;
    }
}
