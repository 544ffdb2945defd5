package io.connmgr.appliance.tier.sleep;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Netty native-epoll server on loopback whose accepted channels a test takes out of Netty, plus the blocking
 * client sockets that dialled it.
 */
final class LoopbackServer implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<EpollSocketChannel> accepted = new LinkedBlockingQueue<>();
    private final List<Socket> clients = new ArrayList<>();
    private final Channel server;

    LoopbackServer() throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 2048)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        accepted.add(ch);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** A blocking client socket connected to the server, with reads bounded by a timeout. */
    Socket connect() {
        try {
            Socket socket = new Socket();
            socket.setSoTimeout(10_000);
            socket.connect(server.localAddress(), 10_000);
            clients.add(socket);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    EpollSocketChannel nextAccepted() throws InterruptedException {
        EpollSocketChannel ch = accepted.poll(10, TimeUnit.SECONDS);
        if (ch == null) {
            throw new AssertionError("no connection accepted within 10 s");
        }
        return ch;
    }

    /** Accepts the next connection and takes its descriptor out of Netty. */
    int nextDetachedFd() throws Exception {
        return ChannelParking.detach(nextAccepted()).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Socket client : clients) {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing a test client: nothing to recover
            }
        }
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
