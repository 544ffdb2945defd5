package io.connmgr.agent.fake;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;

/**
 * Just enough of the appliance to test a device against, over real loopback sockets and the real codec: answers HELLO
 * (by default with a WELCOME that resumes a session whose token it knows), PONGs PINGs, ACKs MSGs and answers CMDs.
 * Each behaviour can be switched off or replaced by a test. Records every frame it reads, with the time it read it.
 *
 * <p>Streams: it plays the back-end too. {@link Connection#openStream} opens a stream to a device port, {@link
 * Connection#pump} sends bytes as fast as the device's window allows, and every stream keeps what the device sent and
 * whether the device ever sent beyond the window this side granted. A connection whose first frame is STREAM_ATTACH
 * turns into a raw data connection ({@link Connection#attachToken()}, {@link Connection#raw()}).
 */
public final class FakeAppliance implements AutoCloseable {

    /** What to answer a HELLO with; returning {@code null} answers nothing. */
    public volatile Function<Hello, Frame> onHello = this::welcome;
    public volatile int keepAliveSeconds = 1;
    /** Sets WELCOME's stay_connected bit. */
    public volatile boolean stayConnected;
    public volatile boolean answerPings = true;
    public volatile boolean ackMessages = true;
    public volatile Function<Cmd, CmdStatus> onCommand = cmd -> CmdStatus.OK;
    /** Capability bits of WELCOME. */
    public volatile int capabilities = Capabilities.CM_COMMANDS;
    /** How a device-opened stream (device-initiated link) is answered. */
    public volatile Function<StreamOpen, StreamOpenResult> onStreamOpen =
            open -> new StreamOpenResult(open.streamId(), StreamStatus.UNKNOWN_SERVICE, 0);
    /** Window this side grants on streams it opens or accepts. */
    public volatile long streamWindow = Wire.DEFAULT_STREAM_WINDOW;
    /** Grant the device more window as soon as its data arrives (a fast back-end); off makes the back-end stall. */
    public volatile boolean autoWindow = true;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    /** The one session this fake keeps: its token and the highest uplink seq it acknowledged. */
    private volatile byte[] sessionToken;
    private volatile long lastAckedUplink;

    public FakeAppliance() {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Connection connection = new Connection(ch, System.nanoTime());
                        connections.add(connection);
                        ch.pipeline()
                                .addLast(new FrameDecoder(Wire.DEFAULT_MAX_FRAME_SIZE))
                                .addLast(FrameEncoder.INSTANCE)
                                .addLast(new Handler(connection));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public List<Connection> connections() {
        return connections;
    }

    /** The {@code index}-th accepted connection (0-based), waiting for it if need be. */
    public Connection connection(int index) {
        await().until(() -> connections.size() > index);
        return connections.get(index);
    }

    /** Forgets the session, so the next HELLO starts a new one even with a token. */
    public void forgetSession() {
        sessionToken = null;
        lastAckedUplink = 0;
    }

    /** The default answer: resume when the token matches the session, otherwise start a new session. */
    public Welcome welcome(Hello hello) {
        byte[] token = sessionToken;
        boolean resumed = token != null && Arrays.equals(token, hello.resumeToken());
        if (!resumed) {
            token = new byte[Wire.RESUME_TOKEN_BYTES];
            ThreadLocalRandom.current().nextBytes(token);
            sessionToken = token;
            lastAckedUplink = 0;
        }
        return new Welcome(Wire.PROTOCOL_VERSION, resumed, keepAliveSeconds, Wire.DEFAULT_MAX_FRAME_SIZE, capabilities,
                lastAckedUplink, token, stayConnected);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.forEach(c -> c.channel().close());
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A frame read from the device and when ({@link System#nanoTime()}). */
    public record Received(Frame frame, long atNanos) {
    }

    /** One stream as the back-end sees it. Guarded by itself; the fake's event loop and the test both use it. */
    public static final class Stream {
        public final int id;
        private final ByteArrayOutputStream fromDevice = new ByteArrayOutputStream();
        private final ArrayDeque<ByteBuf> toSend = new ArrayDeque<>();
        /** Bytes this side may still send. */
        private long credit;
        /** Bytes the device may still send. */
        private long deviceCredit;
        private volatile StreamOpenResult result;
        private volatile boolean closedByDevice;
        private volatile StreamReset resetByDevice;
        private volatile boolean windowViolated;
        private volatile long maxDeviceInFlight;

        Stream(int id, long deviceCredit) {
            this.id = id;
            this.deviceCredit = deviceCredit;
        }

        public synchronized byte[] bytes() {
            return fromDevice.toByteArray();
        }

        public String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        public StreamOpenResult result() {
            return result;
        }

        public boolean closedByDevice() {
            return closedByDevice;
        }

        public StreamReset resetByDevice() {
            return resetByDevice;
        }

        /** The device sent more than this side had granted at some point. */
        public boolean windowViolated() {
            return windowViolated;
        }

        public synchronized long credit() {
            return credit;
        }

        /** Bytes queued by {@link Connection#pump} and not yet sent for lack of window. */
        public synchronized long unsent() {
            return toSend.stream().mapToLong(ByteBuf::readableBytes).sum();
        }
    }

    /** One accepted device connection. */
    public final class Connection {
        private final Channel channel;
        private final long acceptedAtNanos;
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
        private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        private volatile byte[] attachToken;
        private volatile Frame answer;

        Connection(Channel channel, long acceptedAtNanos) {
            this.channel = channel;
            this.acceptedAtNanos = acceptedAtNanos;
        }

        public Channel channel() {
            return channel;
        }

        public long acceptedAtNanos() {
            return acceptedAtNanos;
        }

        /** What this connection answered to HELLO. */
        public Frame answer() {
            return answer;
        }

        public Hello hello() {
            await().until(() -> !received.isEmpty());
            return (Hello) received.getFirst().frame();
        }

        public <T extends Frame> List<T> received(Class<T> type) {
            return received.stream().map(Received::frame).filter(type::isInstance).map(type::cast).toList();
        }

        public List<Received> receivedWithTimes(Class<? extends Frame> type) {
            return received.stream().filter(r -> type.isInstance(r.frame())).toList();
        }

        public void send(Frame frame) {
            channel.writeAndFlush(frame).syncUninterruptibly();
        }

        /** Acknowledges uplink messages up to {@code seq}, remembering it for the session. */
        public void ack(long seq) {
            lastAckedUplink = Math.max(lastAckedUplink, seq);
            channel.writeAndFlush(new Ack(seq)); // no wait: also called on the fake's own event loop
        }

        public void drop() {
            channel.close().syncUninterruptibly();
        }

        /** Stops reading from the device (a slow appliance or network): the device's writes back up. */
        public void pauseReading() {
            channel.config().setAutoRead(false);
        }

        public void resumeReading() {
            channel.config().setAutoRead(true);
        }

        /** Opens stream {@code id} (odd) to a device port, granting {@link #streamWindow}. */
        public Stream openStream(int id, int port) {
            return openStream(id, port, StreamMode.MULTIPLEXED, new byte[0]);
        }

        public Stream openStream(int id, int port, StreamMode mode, byte[] token) {
            Stream s = new Stream(id, streamWindow);
            streams.put(id, s);
            send(new StreamOpen(id, streamWindow, mode, port, token, ""));
            return s;
        }

        /** The stream with that id, waiting for it to exist (device-opened streams appear on their STREAM_OPEN). */
        public Stream stream(int id) {
            await().until(() -> streams.containsKey(id));
            return streams.get(id);
        }

        /** Queues bytes for the device and sends them as the device's window allows. */
        public void pump(int id, byte[] bytes) {
            Stream s = streams.get(id);
            channel.eventLoop().execute(() -> {
                synchronized (s) {
                    s.toSend.addLast(Unpooled.wrappedBuffer(bytes));
                }
                flushStream(s);
            });
        }

        public void sendData(int id, String text) {
            send(new StreamData(id, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
        }

        /** What the device sent on the data connection after STREAM_ATTACH. */
        public synchronized byte[] raw() {
            return raw.toByteArray();
        }

        public byte[] attachToken() {
            return attachToken;
        }

        public void sendRaw(String text) {
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)).syncUninterruptibly();
        }

        /** A TCP half-close of a data connection. */
        public void shutdownOutput() {
            ((io.netty.channel.socket.SocketChannel) channel).shutdownOutput().syncUninterruptibly();
        }

        private void flushStream(Stream s) {
            synchronized (s) {
                while (s.credit > 0 && !s.toSend.isEmpty()) {
                    ByteBuf head = s.toSend.peekFirst();
                    int n = (int) Math.min(Math.min(s.credit, head.readableBytes()), 16 * 1024);
                    channel.write(new StreamData(s.id, head.readRetainedSlice(n)));
                    s.credit -= n;
                    if (!head.isReadable()) {
                        s.toSend.pollFirst().release();
                    }
                }
            }
            channel.flush();
        }

        private void onStreamFrame(ChannelHandlerContext ctx, Frame frame) {
            switch (frame) {
                case StreamOpenResult r -> {
                    Stream s = streams.get(r.streamId());
                    if (s != null) {
                        synchronized (s) {
                            s.credit = r.window();
                        }
                        s.result = r;
                        flushStream(s);
                    }
                }
                case StreamOpen open -> {
                    StreamOpenResult r = onStreamOpen.apply(open);
                    if (r.status() == StreamStatus.OK) {
                        Stream s = new Stream(open.streamId(), r.window());
                        s.credit = open.window();
                        s.result = r;
                        streams.put(open.streamId(), s);
                    }
                    ctx.writeAndFlush(r);
                }
                case StreamData d -> {
                    Stream s = streams.get(d.streamId());
                    if (s == null) {
                        return;
                    }
                    int n = d.data().readableBytes();
                    synchronized (s) {
                        s.fromDevice.writeBytes(ByteBufUtil.getBytes(d.data()));
                        s.deviceCredit -= n;
                        if (s.deviceCredit < 0) {
                            s.windowViolated = true;
                        }
                    }
                    if (autoWindow && n > 0) {
                        grant(s, n);
                    }
                }
                case StreamWindow w -> {
                    Stream s = streams.get(w.streamId());
                    if (s != null) {
                        synchronized (s) {
                            s.credit += w.increment();
                        }
                        flushStream(s);
                    }
                }
                case StreamClose c -> {
                    Stream s = streams.get(c.streamId());
                    if (s != null) {
                        s.closedByDevice = true;
                    }
                }
                case StreamReset r -> {
                    Stream s = streams.get(r.streamId());
                    if (s != null) {
                        s.resetByDevice = r;
                    }
                }
                default -> { }
            }
        }

        /** Lets the device send {@code n} more bytes on the stream. */
        public void grant(Stream s, long n) {
            synchronized (s) {
                s.deviceCredit += n;
            }
            channel.writeAndFlush(new StreamWindow(s.id, n));
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private final Connection connection;

        Handler(Connection connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf bytes && connection.attachToken != null) {
                synchronized (connection) {
                    connection.raw.writeBytes(ByteBufUtil.getBytes(bytes));
                }
                return;
            }
            if (!(msg instanceof Frame frame)) {
                ctx.close(); // a ProtocolViolation: the device under test sent garbage
                return;
            }
            // Stream data is kept by its stream; the record keeps an unpooled copy so the frame can be released.
            connection.received.add(new Received(frame instanceof StreamData d
                    ? new StreamData(d.streamId(), Unpooled.wrappedBuffer(ByteBufUtil.getBytes(d.data()))) : frame,
                    System.nanoTime()));
            switch (frame) {
                case Hello hello -> {
                    Frame answer = onHello.apply(hello);
                    connection.answer = answer;
                    if (answer != null) {
                        ctx.writeAndFlush(answer);
                    }
                }
                case Ping _ -> {
                    if (answerPings) {
                        ctx.writeAndFlush(Pong.INSTANCE);
                    }
                }
                case Msg m -> {
                    if (ackMessages) {
                        connection.ack(m.seq());
                    }
                }
                case Cmd cmd -> ctx.writeAndFlush(new CmdResult(cmd.id(), onCommand.apply(cmd)));
                case StreamAttach attach -> {
                    // A data connection: from here on raw bytes both ways.
                    connection.attachToken = attach.token();
                    ctx.writeAndFlush(new StreamOpenResult(1, StreamStatus.OK, 0));
                    ctx.pipeline().remove(FrameDecoder.class);
                }
                case StreamOpen _, StreamOpenResult _, StreamData _, StreamWindow _, StreamClose _, StreamReset _ ->
                        connection.onStreamFrame(ctx, frame);
                case RpcResponse _ -> { }
                default -> { }
            }
        }
    }
}
