package io.connmgr.appliance.control;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.BackendGuard;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicy;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The back-end control channel's listener (docs/protocol.md section 14). Owns no threads: the event loops and the
 * executor that runs the (blocking) authenticator are lent by the appliance.
 */
public final class ControlServer implements AutoCloseable {
    private final ControlOptions options;
    private final ControlChannelInitializer initializer;
    private final ControlMetrics metrics;
    private final ChannelGroup channels = new DefaultChannelGroup("control", GlobalEventExecutor.INSTANCE);
    private Channel listener;

    public ControlServer(ControlOptions options, BackendGateway gateway, BackendAuthenticator authenticator,
                         Executor authExecutor, ControlMetrics metrics) {
        this(options, gateway, authenticator, authExecutor, metrics, BackendGuard.unguarded("control"));
    }

    /** @param guard failed-HELLO limit per source address, and the live channels a revocation ends */
    public ControlServer(ControlOptions options, BackendGateway gateway, BackendAuthenticator authenticator,
                         Executor authExecutor, ControlMetrics metrics, BackendGuard guard) {
        this.options = options;
        this.metrics = metrics;
        this.initializer = new ControlChannelInitializer(options, gateway, authenticator, authExecutor, metrics,
                channels, guard);
    }

    /** Back-ends may come through the balancers {@code policy} trusts; before {@link #start}. */
    public ControlServer withProxyProtocol(ProxyProtocolPolicy policy) {
        initializer.proxyProtocol(policy);
        return this;
    }

    /** Makes the control channel speak TLS only (control-tls); before {@link #start}. */
    public ControlServer withTls(ApplianceTls tls) {
        initializer.tls(tls);
        return this;
    }

    /** Binds the listener; throws {@link IllegalStateException} when the port cannot be had. */
    public ControlServer start(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelClass) {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeBufferLow(), options.writeBufferHigh()))
                .childHandler(initializer);
        try {
            listener = b.bind(options.bindAddress(), options.port()).sync().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen for back-ends on " + options.bindAddress() + ":"
                    + options.port() + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public ControlMetrics metrics() {
        return metrics;
    }

    /** Stops accepting, tells every back-end SHUTTING_DOWN and closes its channel. */
    @Override
    public void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel c : channels) {
            c.eventLoop().execute(() -> {
                metrics.closed(ReasonCode.SHUTTING_DOWN);
                c.writeAndFlush(new BackendFrame.GoAway(ReasonCode.SHUTTING_DOWN, 1000, "appliance is shutting down"))
                        .addListener(ChannelFutureListener.CLOSE);
            });
        }
        channels.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
