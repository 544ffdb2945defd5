package io.connmgr.appliance.proxy;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.BackendGuard;
import io.connmgr.appliance.config.SourceNetworks;
import io.connmgr.appliance.stream.OpenRequest;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicy;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The back-end proxy listener: SOCKS5 and HTTP CONNECT on one port, told apart by the first byte. Destination host =
 * device id, destination port = the port on the device's side.
 *
 * <pre>
 * detect → (SOCKS5 decoder | HTTP codec) → protocol handler → exceptions
 * after the request: relay → exceptions
 * </pre>
 */
public final class ProxyServer implements AutoCloseable {
    /** Time a back-end has to complete its request (greeting, credentials, CONNECT). */
    static final long REQUEST_TIMEOUT_MILLIS = 10_000;

    /**
     * @param trustedSources peers that may skip credentials (clients such as netcat's SOCKS5 cannot send any); they
     *                       appear as back-end {@link #TRUSTED_BACKEND}
     * @param opener         opens the stream of an accepted request: {@link StreamService#open}, or a way that tries
     *                       the device's direct address first
     */
    record Context(StreamService streams, BackendAuthenticator authenticator, Executor authExecutor,
                   long requestTimeoutMillis, SourceNetworks trustedSources, Consumer<OpenRequest> opener,
                   BackendGuard guard) {
    }

    /** The back-end name of a request accepted without credentials from a trusted source. */
    static final String TRUSTED_BACKEND = "trusted-source";

    private final String bindAddress;
    private final int port;
    private Context context;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> serverChannelClass;
    private ProxyProtocolPolicy proxyProtocol = ProxyProtocolPolicy.OFF;
    private Channel listener;
    private ApplianceTls tls;

    /**
     * @param authExecutor runs {@link BackendAuthenticator} calls, which may read the store
     * @param opener       opens the stream of each accepted request (see {@link Context#opener()})
     */
    public ProxyServer(String bindAddress, int port, StreamService streams, Consumer<OpenRequest> opener,
                       BackendAuthenticator authenticator, SourceNetworks trustedSources, Executor authExecutor,
                       EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> serverChannelClass) {
        this(bindAddress, port, streams, opener, authenticator, trustedSources, authExecutor, boss, workers,
                serverChannelClass, BackendGuard.unguarded("proxy"));
    }

    /** @param guard failed-credential limit per source address, and the live connections a revocation ends */
    public ProxyServer(String bindAddress, int port, StreamService streams, Consumer<OpenRequest> opener,
                       BackendAuthenticator authenticator, SourceNetworks trustedSources, Executor authExecutor,
                       EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> serverChannelClass,
                       BackendGuard guard) {
        this.bindAddress = bindAddress;
        this.port = port;
        this.context = new Context(streams, authenticator, authExecutor, REQUEST_TIMEOUT_MILLIS, trustedSources,
                opener, guard);
        this.boss = boss;
        this.workers = workers;
        this.serverChannelClass = serverChannelClass;
    }

    /** Back-ends may come through the balancers {@code policy} trusts; before {@link #start}. */
    public ProxyServer withProxyProtocol(ProxyProtocolPolicy policy) {
        this.proxyProtocol = policy;
        return this;
    }

    /** Replaces the default {@link #REQUEST_TIMEOUT_MILLIS} (setting {@code proxy-request-timeout}); before start. */
    public ProxyServer requestTimeout(java.time.Duration timeout) {
        context = new Context(context.streams(), context.authenticator(), context.authExecutor(), timeout.toMillis(),
                context.trustedSources(), context.opener(), context.guard());
        return this;
    }

    public ProxyServer start() {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(serverChannelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // A relayed side stops reading when its peer is unwritable: these marks bound what waits per side.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, context.streams().waterMark())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        addFrontHandlers(ch);
                        ProxyConnection connection = new ProxyConnection(ch, context);
                        ch.pipeline()
                                .addLast(ProxyConnection.DETECTOR, new ProtocolDetector(connection))
                                .addLast(ProxyConnection.EXCEPTIONS, ProxyExceptionHandler.INSTANCE);
                        proxyProtocol.addFirstIfTrusted(ch); // last, so the PROXY header stages come first
                    }
                });
        try {
            listener = b.bind(bindAddress, port).sync().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen for back-ends on " + bindAddress + ":" + port + ": "
                    + e.getMessage(), e);
        }
        return this;
    }

    /** Makes the listener speak TLS only (proxy-tls); before {@link #start()}. */
    public ProxyServer withTls(ApplianceTls tls) {
        this.tls = tls;
        return this;
    }

    /**
     * The stages at the head of every back-end connection, before protocol detection: TLS when the listener has it.
     * The answers the proxy writes itself go out from behind them (see ProxyConnection), so they pass TLS.
     */
    private void addFrontHandlers(Channel ch) {
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.newBackendHandler(ch));
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
