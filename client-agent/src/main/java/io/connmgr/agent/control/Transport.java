package io.connmgr.agent.control;

import io.connmgr.protocol.relay.EpollLoops;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The socket implementation under a {@link DeviceClient}: native epoll on Linux when it loads, NIO elsewhere. */
public enum Transport {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollLoops.newFactory(); // Netty's, with its fix for half-closed sockets
        }

        @Override
        Class<? extends SocketChannel> socketChannelClass() {
            return EpollSocketChannel.class;
        }

        @Override
        Class<? extends ServerSocketChannel> serverSocketChannelClass() {
            return EpollServerSocketChannel.class;
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends SocketChannel> socketChannelClass() {
            return NioSocketChannel.class;
        }

        @Override
        Class<? extends ServerSocketChannel> serverSocketChannelClass() {
            return NioServerSocketChannel.class;
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends SocketChannel> socketChannelClass();

    /** Listeners of device-initiated links. */
    abstract Class<? extends ServerSocketChannel> serverSocketChannelClass();

    /** Epoll when the native library is usable on this machine, otherwise NIO. */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The transport a caller-supplied group runs, so the channel class matches its event loops. */
    static Transport of(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io
                && (io.isIoType(EpollIoHandler.class) || io.isIoType(EpollLoops.Handler.class)) ? EPOLL : NIO;
    }
}
