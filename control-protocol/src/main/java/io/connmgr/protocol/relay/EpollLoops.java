package io.connmgr.protocol.relay;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Epoll event loops that keep a socket usable after it has wanted nothing for a while.
 *
 * <p>Netty 4.2.18's epoll handler takes a socket out of the epoll set (EPOLL_CTL_DEL) as soon as its channel wants no
 * event at all, yet keeps the registration marked as added, so the channel's next wish is sent as EPOLL_CTL_MOD and
 * fails with ENOENT. A channel wants nothing once its peer's FIN has been read, reading is off (or the input is done)
 * and nothing waits to be written: exactly a relay's half-closed connection. Its next write that does not fit the
 * socket buffer then fails (the write is dropped and the output shut), and turning reading on again closes the
 * channel. Streams lost the last answer of a service this way.
 *
 * <p>The handler made here wraps Netty's: when a channel that was taken out of the set wants something again, its
 * registration is made afresh, which adds the socket back (EPOLL_CTL_ADD). Everything else is Netty's own.
 */
public final class EpollLoops {
    private EpollLoops() {
    }

    /** Netty's epoll {@link IoHandlerFactory}, with the re-adding registrations described above. */
    public static IoHandlerFactory newFactory() {
        IoHandlerFactory netty = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new Handler(netty.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    /** Netty's epoll handler; registrations go through {@link Registration}. */
    public static final class Handler implements IoHandler {
        private final IoHandler epoll;

        Handler(IoHandler epoll) {
            this.epoll = epoll;
        }

        @Override
        public void initialize() {
            epoll.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return epoll.run(context);
        }

        @Override
        public void prepareToDestroy() {
            epoll.prepareToDestroy();
        }

        @Override
        public void destroy() {
            epoll.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(epoll, handle, epoll.register(handle));
        }

        @Override
        public void wakeup() {
            epoll.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return epoll.isCompatible(handleType);
        }
    }

    /** One socket's registration; made afresh when the socket wants events again after wanting none. */
    private static final class Registration implements IoRegistration {
        private final IoHandler epoll;
        private final IoHandle handle;
        private IoRegistration current;
        private boolean removed;

        Registration(IoHandler epoll, IoHandle handle, IoRegistration current) {
            this.epoll = epoll;
            this.handle = handle;
            this.current = current;
        }

        @Override
        public <T> T attachment() {
            return current.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean none = ops instanceof EpollIoOps e && e.value() == 0;
            if (removed && !none && current.isValid()) {
                // Called on the loop (a channel changes its interest there), so nothing races the swap.
                current.cancel();
                try {
                    current = epoll.register(handle);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot register a socket with epoll again", e);
                }
                removed = false;
            }
            long result = current.submit(ops);
            if (none) {
                removed = true;
            }
            return result;
        }

        @Override
        public boolean isValid() {
            return current.isValid();
        }

        @Override
        public boolean cancel() {
            return current.cancel();
        }
    }
}
