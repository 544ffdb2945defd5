package io.connmgr.protocol.relay;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A half-closed connection keeps working on the loops of {@link EpollLoops}: after the peer's FIN has been read and
 * reading is off, the channel wants no event at all, and a large answer written after that must still arrive whole.
 */
class EpollLoopsTest {
    static final int ANSWER = 64 << 20;

    EventLoopGroup group;
    Channel server;

    @BeforeAll
    static void epoll() {
        assumeThat(Epoll.isAvailable()).as("native epoll").isTrue();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aLargeAnswerAfterThePeersFin_arrivesWhole() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollLoops.newFactory());
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CompletableFuture<Boolean> pending = new CompletableFuture<>();
        server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            Channel ch = ctx.channel();
                            ch.config().setAutoRead(false);
                            // Later, once the channel wants nothing: the answer does not fit the socket buffer, so
                            // the channel has to ask epoll to say when it is writable again.
                            ch.eventLoop().schedule(() -> {
                                var write = ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[ANSWER]));
                                boolean waiting = !write.isDone();
                                write.addListener((ChannelFutureListener) f -> {
                                    if (!f.isSuccess()) {
                                        failure.complete(f.cause());
                                    }
                                    ch.close();
                                });
                                pending.complete(waiting);
                            }, 100, TimeUnit.MILLISECONDS);
                        }
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ((InetSocketAddress) server.localAddress()).getPort()), 5000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write("question".getBytes());
            s.shutdownOutput();
            boolean waiting = pending.get(10, TimeUnit.SECONDS);
            assertThat(failure.getNow(null)).as("the write's failure").isNull();
            assertThat(waiting).as("the answer waits for the socket").isTrue();
            InputStream in = s.getInputStream();
            long total = 0;
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
            assertThat(failure.getNow(null)).isNull();
            assertThat(total).isEqualTo(ANSWER);
        }
    }
}
