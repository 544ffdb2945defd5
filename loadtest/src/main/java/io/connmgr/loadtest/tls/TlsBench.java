package io.connmgr.loadtest.tls;

import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.loadtest.probe.Jcmd;
import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A bounded, by-hand benchmark of the appliance's device port over TLS (docs/benchmarks.md, "TLS"); not a test.
 *
 * <pre>
 * rate PORT CA FLEET_KEY N CONCURRENCY full|resumed|plain   connect, (TLS,) HELLO → WELCOME, close; N times
 * hold PORT CA FLEET_KEY PID STEPS tls|plain                hold connections in steps (e.g. 1000,2000,4000), and
 *                                                          measure the appliance's live heap (jcmd) after each
 * </pre>
 * The client uses OpenSSL where it loads. "full" gives every connection a handler without a peer host, so nothing
 * is resumed; "resumed" names the peer, so the client context offers the session (ticket) of the previous connection.
 */
public final class TlsBench {
    private TlsBench() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        Path ca = Path.of(args[2]);
        byte[] fleetKey = java.util.HexFormat.of().parseHex(Files.readString(Path.of(args[3])).strip());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        SslProvider provider = io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContext ssl = SslContextBuilder.forClient().sslProvider(provider).trustManager(new File(ca.toString()))
                .endpointIdentificationAlgorithm(null) // "full" handlers name no host to check; the chain is checked
                .build();
        System.out.println("client TLS provider: " + provider);
        try {
            switch (args[0]) {
                case "rate" -> rate(group, ssl, port, new FleetToken(fleetKey), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]), args[6]);
                case "hold" -> hold(group, ssl, port, new FleetToken(fleetKey), Long.parseLong(args[4]), args[5],
                        args[6].equals("tls"));
                default -> throw new IllegalArgumentException("rate or hold");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void rate(EventLoopGroup group, SslContext ssl, int port, FleetToken tokens, int n, int concurrency,
                             String mode) throws Exception {
        Semaphore slots = new Semaphore(concurrency);
        List<CompletableFuture<Channel>> all = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            CompletableFuture<Channel> welcomed = connect(group, mode.equals("plain") ? null : ssl,
                    mode.equals("resumed"), port, "bench-" + (i % 1000), tokens);
            welcomed.whenComplete((ch, e) -> {
                if (ch != null) {
                    ch.close();
                }
                slots.release();
            });
            all.add(welcomed);
        }
        int failed = 0;
        for (CompletableFuture<Channel> f : all) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                failed++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("rate %s: %d connects (TLS handshake + HELLO/WELCOME) in %.2f s = %.0f/s, %d failed%n",
                mode, n, seconds, n / seconds, failed);
    }

    private static void hold(EventLoopGroup group, SslContext ssl, int port, FleetToken tokens, long pid, String steps,
                             boolean tls) throws Exception {
        List<Channel> held = new ArrayList<>();
        long base = Jcmd.liveHeapBytesInOneAttach(pid, 2);
        System.out.printf("hold %s: 0 connections, live heap %,d B, RSS %,d kB%n", tls ? "tls" : "plain", base,
                rssKb(pid));
        List<long[]> points = new ArrayList<>();
        for (String step : steps.split(",")) {
            int target = Integer.parseInt(step);
            Semaphore slots = new Semaphore(20);
            List<CompletableFuture<Channel>> batch = new ArrayList<>();
            for (int i = held.size(); i < target; i++) {
                slots.acquire();
                CompletableFuture<Channel> f = connect(group, tls ? ssl : null, false, port, "hold-" + i, tokens);
                f.whenComplete((ch, e) -> slots.release());
                batch.add(f);
            }
            for (CompletableFuture<Channel> f : batch) {
                held.add(f.get(60, TimeUnit.SECONDS));
            }
            Thread.sleep(3000); // let the tier sweeper move them (a benchmark, not a test)
            long heap = Jcmd.liveHeapBytesInOneAttach(pid, 2);
            points.add(new long[]{held.size(), heap});
            System.out.printf("hold %s: %d connections, live heap %,d B, %.0f B/conn over the baseline, RSS %,d kB%n",
                    tls ? "tls" : "plain", held.size(), heap, (heap - base) / (double) held.size(), rssKb(pid));
        }
        System.out.printf("hold %s: least-squares slope %.0f B/conn%n", tls ? "tls" : "plain", slope(points));
        for (Channel ch : held) {
            ch.close();
        }
    }

    private static long rssKb(long pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static double slope(List<long[]> p) {
        double mx = p.stream().mapToDouble(a -> a[0]).average().orElse(0);
        double my = p.stream().mapToDouble(a -> a[1]).average().orElse(0);
        double num = 0;
        double den = 0;
        for (long[] a : p) {
            num += (a[0] - mx) * (a[1] - my);
            den += (a[0] - mx) * (a[0] - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    /** Connects and completes HELLO → WELCOME; the future gets the open channel. */
    private static CompletableFuture<Channel> connect(EventLoopGroup group, SslContext ssl, boolean namePeer, int port,
                                                      String deviceId, FleetToken tokens) {
        CompletableFuture<Channel> welcomed = new CompletableFuture<>();
        byte[] credential;
        synchronized (tokens) {
            credential = tokens.credential(deviceId);
        }
        new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(namePeer ? ssl.newHandler(ch.alloc(), "127.0.0.1", port)
                                    : ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new FrameDecoder(Wire.MAX_LENGTH_FIELD), FrameEncoder.INSTANCE,
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        ctx.writeAndFlush(new Hello(Wire.PROTOCOL_VERSION, 0, 0, deviceId, credential,
                                                null));
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof Welcome) {
                                            welcomed.complete(ctx.channel());
                                        } else {
                                            welcomed.completeExceptionally(new IllegalStateException("got " + msg));
                                        }
                                        ReferenceCountUtil.release(msg);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        welcomed.completeExceptionally(new IllegalStateException("closed"));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        welcomed.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect("127.0.0.1", port).addListener(f -> {
                    if (!f.isSuccess()) {
                        welcomed.completeExceptionally(f.cause());
                    }
                });
        return welcomed;
    }
}
