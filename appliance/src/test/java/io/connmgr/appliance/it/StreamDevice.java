package io.connmgr.appliance.it;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device written with Netty and the protocol codec that carries streams: it answers STREAM_OPEN by connecting to
 * the local port its {@code exposed} map names (multiplexed, or over a data connection), honours windows both ways,
 * and can open device-initiated links. Single event loop, so its state needs no locks.
 */
final class StreamDevice implements AutoCloseable {
    static final int WINDOW = 64 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final int appliancePort;
    private final Map<Integer, Integer> exposed;
    private final Map<Integer, Local> streams = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<StreamOpenResult>> linkResults = new ConcurrentHashMap<>();
    final List<Frame> received = new CopyOnWriteArrayList<>();
    final List<ConnectRequest> connectRequests = new CopyOnWriteArrayList<>();
    /** Bytes sent to the appliance, per stream id. */
    final Map<Integer, AtomicLong> sent = new ConcurrentHashMap<>();
    private final AtomicInteger nextLinkId = new AtomicInteger(2);
    private Channel link;
    /** The window this device grants for streams the appliance opens. */
    volatile long grantWindow = WINDOW;

    StreamDevice(int appliancePort, Map<Integer, Integer> exposed) {
        this.appliancePort = appliancePort;
        this.exposed = exposed;
    }

    Welcome connect(String id, String token, int capabilities) throws Exception {
        CompletableFuture<Welcome> welcome = new CompletableFuture<>();
        link = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FrameDecoder(Wire.DEFAULT_MAX_FRAME_SIZE), FrameEncoder.INSTANCE,
                                new LinkHandler(welcome));
                    }
                }).connect("127.0.0.1", appliancePort).sync().channel();
        link.writeAndFlush(new Hello(Wire.PROTOCOL_VERSION, 0, capabilities, id, token.getBytes(), null));
        return welcome.get(10, TimeUnit.SECONDS);
    }

    /** Stops (or resumes) reading the link: a device that does not read what the appliance sends it. */
    void reading(boolean on) {
        link.config().setAutoRead(on);
    }

    boolean connected() {
        return link != null && link.isActive();
    }

    void send(Frame f) {
        link.writeAndFlush(f);
    }

    /** Opens a device-initiated link to a named back-end service; data from it goes to {@code sink}. */
    CompletableFuture<StreamOpenResult> openLink(String service, Local sink) {
        int id = nextLinkId.getAndAdd(2);
        CompletableFuture<StreamOpenResult> result = new CompletableFuture<>();
        linkResults.put(id, result);
        sink.id = id;
        streams.put(id, sink);
        link.writeAndFlush(new StreamOpen(id, WINDOW, StreamMode.MULTIPLEXED, 0, new byte[0], service));
        return result;
    }

    /** One stream's device side: a local socket, or (for device-initiated links) a collector. */
    class Local {
        int id;
        Channel local;
        long sendWindow;
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        boolean localEof;
        final io.netty.buffer.CompositeByteBuf collected = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        volatile boolean closedByAppliance;
        volatile boolean reset;

        /** Sends bytes on a device-initiated link, within the window. */
        void write(byte[] bytes) {
            link.eventLoop().execute(() -> {
                pending.add(Unpooled.wrappedBuffer(bytes));
                drain();
            });
        }

        void close() {
            link.eventLoop().execute(() -> {
                localEof = true;
                drain();
            });
        }

        synchronized String text() {
            return collected.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        void drain() {
            while (!pending.isEmpty() && sendWindow > 0) {
                ByteBuf head = pending.peek();
                int n = (int) Math.min(Math.min(head.readableBytes(), sendWindow), 16 * 1024);
                ByteBuf chunk = head.readRetainedSlice(n);
                if (!head.isReadable()) {
                    pending.poll().release();
                }
                sendWindow -= n;
                sent.computeIfAbsent(id, k -> new AtomicLong()).addAndGet(n);
                link.write(new StreamData(id, chunk));
            }
            if (pending.isEmpty() && localEof) {
                localEof = false;
                link.write(new StreamClose(id));
            }
            link.flush();
            if (local != null) {
                local.config().setAutoRead(sendWindow > 0 && pending.isEmpty());
            }
        }

        void fromAppliance(StreamData d) {
            int n = d.data().readableBytes();
            if (local == null) {
                synchronized (this) {
                    if (collected.refCnt() == 0) {
                        d.release(); // the stream already ended here
                        return;
                    }
                    collected.addComponent(true, d.data());
                }
                link.writeAndFlush(new StreamWindow(id, Math.max(1, n)));
                return;
            }
            local.writeAndFlush(d.data()).addListener(f -> {
                if (f.isSuccess() && n > 0) {
                    link.writeAndFlush(new StreamWindow(id, n));
                }
            });
        }

        void release() {
            pending.forEach(ByteBuf::release);
            pending.clear();
            synchronized (this) {
                if (collected.refCnt() > 0) {
                    collected.release();
                }
            }
        }
    }

    private final class LinkHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Welcome> welcome;

        LinkHandler(CompletableFuture<Welcome> welcome) {
            this.welcome = welcome;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Frame frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!(frame instanceof StreamData)) {
                received.add(frame);
            }
            switch (frame) {
                case Welcome w -> welcome.complete(w);
                case Ping p -> ctx.writeAndFlush(Pong.INSTANCE);
                case StreamOpen o -> open(o);
                case ConnectRequest c -> {
                    connectRequests.add(c);
                    ctx.writeAndFlush(new StreamOpenResult(c.requestId(), exposed.containsKey(c.port())
                            ? StreamStatus.OK : StreamStatus.NOT_EXPOSED, 0));
                }
                case StreamOpenResult r -> {
                    Local l = streams.get(r.streamId());
                    if (l != null && r.status() == StreamStatus.OK) {
                        l.sendWindow = r.window();
                    } else {
                        streams.remove(r.streamId());
                    }
                    CompletableFuture<StreamOpenResult> f = linkResults.remove(r.streamId());
                    if (f != null) {
                        f.complete(r);
                    }
                }
                case StreamData d -> {
                    Local l = streams.get(d.streamId());
                    if (l == null) {
                        d.release();
                    } else {
                        l.fromAppliance(d);
                    }
                }
                case StreamWindow w -> {
                    Local l = streams.get(w.streamId());
                    if (l != null) {
                        l.sendWindow += w.increment();
                        l.drain();
                    }
                }
                case StreamClose c -> {
                    Local l = streams.get(c.streamId());
                    if (l != null) {
                        l.closedByAppliance = true;
                        if (l.local instanceof DuplexChannel dc) {
                            dc.shutdownOutput();
                        }
                    }
                }
                case StreamReset r -> {
                    Local l = streams.remove(r.streamId());
                    if (l != null) {
                        l.reset = true;
                        if (l.local != null) {
                            l.local.close();
                        }
                    }
                }
                default -> { }
            }
        }
    }

    private void open(StreamOpen o) {
        Integer target = exposed.get(o.port());
        if (target == null) {
            link.writeAndFlush(new StreamOpenResult(o.streamId(), StreamStatus.NOT_EXPOSED, 0));
            return;
        }
        if (o.mode() == StreamMode.DATA_CONNECTION) {
            openDataConnection(o, target);
            return;
        }
        Local l = new Local();
        l.id = o.streamId();
        l.sendWindow = o.window();
        ChannelFuture connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        l.pending.add((ByteBuf) msg);
                        l.drain();
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            l.localEof = true;
                            l.drain();
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        if (streams.remove(l.id, l) && !l.reset) {
                            if (!l.closedByAppliance || !l.pending.isEmpty()) {
                                link.writeAndFlush(new StreamReset(l.id, StreamStatus.CANCELLED));
                            }
                        }
                        l.release();
                    }
                })
                .connect("127.0.0.1", target);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                link.writeAndFlush(new StreamOpenResult(o.streamId(), StreamStatus.REFUSED, 0));
                return;
            }
            l.local = connect.channel();
            streams.put(l.id, l);
            link.writeAndFlush(new StreamOpenResult(o.streamId(), StreamStatus.OK, grantWindow));
            l.drain();
        });
    }

    /** FIG 19/20: a second connection to the appliance carries the stream raw, after STREAM_ATTACH. */
    private void openDataConnection(StreamOpen o, int target) {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInboundHandlerAdapter());
        b.connect("127.0.0.1", target).addListener((ChannelFuture lf) -> {
            if (!lf.isSuccess()) {
                link.writeAndFlush(new StreamOpenResult(o.streamId(), StreamStatus.REFUSED, 0));
                return;
            }
            link.writeAndFlush(new StreamOpenResult(o.streamId(), StreamStatus.OK, 0));
            attach(o.token(), lf.channel());
        });
    }

    /** Dials the appliance, presents {@code token}, and pipes the connection to {@code local}. */
    void attach(byte[] token, Channel local) {
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInboundHandlerAdapter())
                .connect("127.0.0.1", appliancePort).addListener((ChannelFuture df) -> {
                    if (!df.isSuccess()) {
                        local.close();
                        return;
                    }
                    Channel data = df.channel();
                    data.pipeline().addLast(FrameEncoder.INSTANCE);
                    data.writeAndFlush(new StreamAttach(token));
                    data.pipeline().remove(FrameEncoder.INSTANCE);
                    // The appliance's one-frame answer comes before the stream's bytes.
                    data.pipeline().addLast("answer-decoder", new FrameDecoder(1024));
                    data.pipeline().addLast("answer", new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            if (msg instanceof StreamOpenResult r && r.status() == StreamStatus.OK) {
                                ctx.pipeline().remove(this);
                                ctx.pipeline().remove("answer-decoder");
                            } else {
                                ctx.close();
                            }
                        }
                    });
                    data.pipeline().addLast(new Pipe(local));
                    local.pipeline().addLast(new Pipe(data));
                    data.config().setAutoRead(true);
                    local.config().setAutoRead(true);
                });
    }

    /** A plain relay with half-close, enough for tests. */
    static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Pipe(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg);
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false); // the test's device buffers no more than the appliance
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && peer instanceof DuplexChannel dc) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> dc.shutdownOutput());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> peer.close());
        }
    }

    @Override
    public void close() {
        if (link != null) {
            link.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        // Streams still open when the device goes (links whose data was only collected) give their buffers back.
        streams.values().forEach(Local::release);
        streams.clear();
    }
}
