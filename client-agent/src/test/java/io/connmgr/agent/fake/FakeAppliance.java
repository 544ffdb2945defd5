package io.connmgr.agent.fake;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;

/**
 * Just enough of the appliance to test a device against, over real loopback sockets and the real codec: answers HELLO
 * (by default with a WELCOME that resumes a session whose token it knows), PONGs PINGs, ACKs MSGs and answers CMDs.
 * Each behaviour can be switched off or replaced by a test. Records every frame it reads, with the time it read it.
 */
public final class FakeAppliance implements AutoCloseable {

    /** What to answer a HELLO with; returning {@code null} answers nothing. */
    public volatile Function<Hello, Frame> onHello = this::welcome;
    public volatile int keepAliveSeconds = 1;
    public volatile boolean answerPings = true;
    public volatile boolean ackMessages = true;
    public volatile Function<Cmd, CmdStatus> onCommand = cmd -> CmdStatus.OK;

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
        return new Welcome(Wire.PROTOCOL_VERSION, resumed, keepAliveSeconds, Wire.DEFAULT_MAX_FRAME_SIZE, 1,
                lastAckedUplink, token);
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

    /** One accepted device connection. */
    public final class Connection {
        private final Channel channel;
        private final long acceptedAtNanos;
        private final List<Received> received = new CopyOnWriteArrayList<>();
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
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private final Connection connection;

        Handler(Connection connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Frame frame)) {
                ctx.close(); // a ProtocolViolation: the device under test sent garbage
                return;
            }
            connection.received.add(new Received(frame, System.nanoTime()));
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
                default -> { }
            }
        }
    }
}
