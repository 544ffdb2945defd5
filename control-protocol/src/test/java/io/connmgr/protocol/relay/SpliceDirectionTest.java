package io.connmgr.protocol.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A splicing relay on one epoll event loop between a client and a server socket: bulk bytes both ways with their
 * checksums, the bytes still queued when a FIN arrives, bytes read before the splice began, and a reset.
 */
class SpliceDirectionTest {
    static final int MB = 1 << 20;
    /** Blocking socket work, each on its own thread (the common pool may have a single one). */
    static final java.util.concurrent.Executor THREADS = r -> Thread.ofPlatform().daemon().start(r);

    ServerSocket target;
    TestRelay relay;

    @BeforeAll
    static void epoll() {
        assumeThat(Epoll.isAvailable()).as("native epoll").isTrue();
    }

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void bulkBothWays_arrivesWhole_andEachFinFollowsItsLastByte() throws Exception {
        target = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        relay = new TestRelay(target.getLocalPort(), false);
        long size = 32L * MB;
        CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() -> {
            try (Socket s = target.accept()) {
                CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> send(s, size, 2), THREADS);
                long[] got = receive(s.getInputStream());
                return new long[]{got[0], got[1], sent.join()};
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, THREADS);
        try (Socket c = relay.connect()) {
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> send(c, size, 1), THREADS);
            long[] got = receive(c.getInputStream());
            long[] atServer = server.get(60, TimeUnit.SECONDS);

            assertThat(atServer[0]).isEqualTo(size);
            assertThat(atServer[1]).isEqualTo(sent.get(60, TimeUnit.SECONDS));
            assertThat(got[0]).isEqualTo(size);
            assertThat(got[1]).isEqualTo(atServer[2]);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> relay.pairs.getFirst().ended.isDone());
        assertThat(relay.pairs.getFirst().failure).isNull();
    }

    @Test
    void bytesStillQueuedWhenTheFinArrives_areRelayedBeforeIt_andTheAnswerAfterIt() throws Exception {
        // Little room behind the relay and much in front of it: the client's bytes and its FIN all reach the relay's
        // socket while the server does not read yet, so most of them are still queued there when the FIN is seen.
        target = new ServerSocket();
        target.setReceiveBufferSize(64 * 1024);
        target.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        relay = new TestRelay(target.getLocalPort(), false, 4 * MB, 64 * 1024);
        long size = 2L * MB;
        CompletableFuture<Void> clientDone = new CompletableFuture<>();
        CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() -> {
            try (Socket s = target.accept()) {
                // Reads only once the client has written everything and its FIN: the relay sees the FIN first.
                clientDone.get(30, TimeUnit.SECONDS);
                long[] got = receive(slowly(s.getInputStream()));
                // Answers only after the client's FIN, then closes entirely.
                long answered = send(s, 4L * MB, 3);
                return new long[]{got[0], got[1], answered};
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, THREADS);
        try (Socket c = relay.connect()) {
            relay.started().get(10, TimeUnit.SECONDS);
            long sent = send(c, size, 4);
            clientDone.complete(null);
            long[] answer = receive(c.getInputStream());
            long[] atServer = server.get(60, TimeUnit.SECONDS);

            assertThat(atServer[0]).isEqualTo(size);
            assertThat(atServer[1]).isEqualTo(sent);
            assertThat(answer[0]).isEqualTo(4L * MB);
            assertThat(answer[1]).isEqualTo(atServer[2]);
        }
        TestRelay.Pair pair = relay.pairs.getFirst();
        await().atMost(10, TimeUnit.SECONDS).until(() -> pair.ended.isDone());
        assertThat(pair.failure).isNull();
        assertThat(pair.up.tailBytes()).as("bytes read after the client's FIN").isPositive();
    }

    @Test
    void bytesReadBeforeTheSpliceBegan_goFirst() throws Exception {
        target = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        relay = new TestRelay(target.getLocalPort(), true);
        long size = 4L * MB;
        CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() -> {
            try (Socket s = target.accept()) {
                long[] got = receive(s.getInputStream());
                s.shutdownOutput();
                return got;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, THREADS);
        try (Socket c = relay.connect()) {
            long sent = send(c, size, 5);
            assertThat(c.getInputStream().read()).isEqualTo(-1);
            long[] atServer = server.get(60, TimeUnit.SECONDS);

            assertThat(atServer[0]).isEqualTo(size);
            assertThat(atServer[1]).isEqualTo(sent);
        }
        assertThat(relay.pairs.getFirst().earlyBytes.get()).isPositive();
    }

    @Test
    void aResetEndsTheRelay_andTheOtherSideSeesItsConnectionEnd() throws Exception {
        target = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        relay = new TestRelay(target.getLocalPort(), false);
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return target.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, THREADS);
        Socket c = relay.connect();
        try (Socket s = accepted.get(10, TimeUnit.SECONDS)) {
            c.getOutputStream().write(new byte[1000]);
            s.getInputStream().readNBytes(1000);
            c.setSoLinger(true, 0);
            c.close(); // RST

            s.setSoTimeout(10_000);
            int end;
            try {
                end = s.getInputStream().read();
            } catch (SocketException reset) {
                end = -1;
            }
            assertThat(end).isEqualTo(-1);
        }
        TestRelay.Pair pair = relay.pairs.getFirst();
        await().atMost(10, TimeUnit.SECONDS).until(() -> pair.ended.isDone() && !pair.a.isOpen() && !pair.b.isOpen());
    }

    // ---------------------------------------------------------------- helpers

    /** Writes {@code size} pseudo-random bytes, half-closes; returns their CRC32. */
    static long send(Socket s, long size, long seed) {
        try {
            OutputStream out = s.getOutputStream();
            Random r = new Random(seed);
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[61_111];
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(chunk.length, left);
                r.nextBytes(chunk);
                crc.update(chunk, 0, n);
                out.write(chunk, 0, n);
                left -= n;
            }
            s.shutdownOutput();
            return crc.getValue();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads to the end of stream: {bytes, CRC32}. */
    static long[] receive(InputStream in) {
        try {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[100_000];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                crc.update(buf, 0, n);
                total += n;
            }
            return new long[]{total, crc.getValue()};
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A slow reader without pauses: small reads keep the relay's target unwritable most of the time. */
    static InputStream slowly(InputStream in) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, Math.min(len, 1024));
            }
        };
    }

    /** Accepts on one epoll loop, dials {@code target} on the same loop, splices the two. */
    static final class TestRelay implements AutoCloseable {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollLoops.newFactory());
        final List<Pair> pairs = new CopyOnWriteArrayList<>();
        final Channel server;
        final int target;
        final boolean readFirst;

        final int sendBuffer;

        TestRelay(int target, boolean readFirst) throws InterruptedException {
            this(target, readFirst, 0, 0);
        }

        /** Socket buffer sizes of the relay's two sides, 0 for the system's. */
        TestRelay(int target, boolean readFirst, int receiveBuffer, int sendBuffer) throws InterruptedException {
            this.target = target;
            this.readFirst = readFirst;
            this.sendBuffer = sendBuffer;
            ServerBootstrap sb = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class);
            if (receiveBuffer > 0) {
                sb.option(ChannelOption.SO_RCVBUF, receiveBuffer);
            }
            server = sb
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.AUTO_READ, readFirst)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            Pair p = new Pair(ch);
                            pairs.add(p);
                            ch.pipeline().addLast(p.side(true));
                            if (!readFirst) {
                                p.dial(target);
                            }
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        }

        /** The first pair's splice has begun. */
        CompletableFuture<Void> started() {
            await().atMost(10, TimeUnit.SECONDS).until(() -> !pairs.isEmpty());
            return pairs.getFirst().started;
        }

        Socket connect() throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ((InetSocketAddress) server.localAddress()).getPort()), 5000);
            s.setSoTimeout(60_000);
            return s;
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        final class Pair {
            final Channel a;
            Channel b;
            SpliceDirection up;
            SpliceDirection down;
            final List<ByteBuf> early = new ArrayList<>();
            final AtomicLong earlyBytes = new AtomicLong();
            final CompletableFuture<Void> ended = new CompletableFuture<>();
            final CompletableFuture<Void> started = new CompletableFuture<>();
            volatile Throwable failure;
            boolean aEof;
            int finished;

            Pair(Channel a) {
                this.a = a;
            }

            void dial(int port) {
                Bootstrap bs = new Bootstrap();
                if (sendBuffer > 0) {
                    bs.option(ChannelOption.SO_SNDBUF, sendBuffer);
                }
                bs.group(a.eventLoop()).channel(EpollSocketChannel.class)
                        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .option(ChannelOption.AUTO_READ, false)
                        .handler(side(false))
                        .connect(InetAddress.getLoopbackAddress(), port).addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess()) {
                                end(f.cause());
                                return;
                            }
                            b = f.channel();
                            SpliceDirection.Listener l = new SpliceDirection.Listener() {
                                @Override
                                public void finished() {
                                    if (++finished == 2) {
                                        end(null);
                                    }
                                }

                                @Override
                                public void failed(Throwable cause) {
                                    end(cause);
                                }
                            };
                            up = new SpliceDirection(a, b, l);
                            down = new SpliceDirection(b, a, l);
                            for (ByteBuf e : early) {
                                up.early(e);
                            }
                            early.clear();
                            if (aEof) {
                                up.inputShutdown();
                            }
                            up.start();
                            down.start();
                            started.complete(null);
                        });
            }

            void end(Throwable cause) {
                if (ended.isDone()) {
                    return;
                }
                failure = cause;
                early.forEach(ByteBuf::release);
                early.clear();
                for (Channel ch : new Channel[]{a, b}) {
                    if (ch != null) {
                        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    }
                }
                ended.complete(null);
            }

            ChannelInboundHandlerAdapter side(boolean isA) {
                return new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf data = (ByteBuf) msg;
                        SpliceDirection d = isA ? up : down;
                        if (d != null) {
                            d.early(data);
                            return;
                        }
                        earlyBytes.addAndGet(data.readableBytes());
                        early.add(data);
                        if (isA && readFirst && b == null) {
                            ctx.channel().config().setAutoRead(false);
                            dial(target);
                        }
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        SpliceDirection d = isA ? up : down;
                        if (d != null) {
                            d.readComplete();
                        }
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            SpliceDirection d = isA ? up : down;
                            if (d != null) {
                                d.inputShutdown();
                            } else if (isA) {
                                aEof = true;
                            }
                        }
                    }

                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        SpliceDirection d = isA ? down : up;
                        if (d != null) {
                            d.targetWritabilityChanged();
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        end(null);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        end(cause);
                    }
                };
            }
        }
    }
}
