package io.connmgr.appliance.control;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.BackendGuard;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicy;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.connmgr.protocol.backend.BackendFrameDecoder;
import io.connmgr.protocol.backend.BackendFrameEncoder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The control channel's pipeline, in one place. Order: the encoder first (outbound frames leave through it), then the
 * decoder that turns bytes into frames or one violation, then the idle timer (after the decoder, so only whole frames
 * count as life), then the handshake, which replaces itself by the session handler once the back-end is welcome,
 * and last the exception handler that catches what every stage before it let through.
 */
@ChannelHandler.Sharable
final class ControlChannelInitializer extends ChannelInitializer<SocketChannel> {
    static final String TLS = "tls";
    static final String ENCODER = "encoder";
    static final String DECODER = "decoder";
    static final String IDLE = "idle";
    static final String HANDSHAKE = "handshake";
    static final String SESSION = "session";
    static final String EXCEPTIONS = "exceptions";

    private final ControlOptions options;
    private final BackendGateway gateway;
    private final BackendAuthenticator authenticator;
    private final Executor authExecutor;
    private final ControlMetrics metrics;
    private final ChannelGroup channels;
    private final BackendGuard guard;
    private ProxyProtocolPolicy proxyProtocol = ProxyProtocolPolicy.OFF;
    private volatile ApplianceTls tls;

    ControlChannelInitializer(ControlOptions options, BackendGateway gateway, BackendAuthenticator authenticator,
                              Executor authExecutor, ControlMetrics metrics, ChannelGroup channels,
                              BackendGuard guard) {
        this.guard = guard;
        this.options = options;
        this.gateway = gateway;
        this.authenticator = authenticator;
        this.authExecutor = authExecutor;
        this.metrics = metrics;
        this.channels = channels;
    }

    /** Set before the listener binds. */
    void proxyProtocol(ProxyProtocolPolicy policy) {
        this.proxyProtocol = policy;
    }

    void tls(ApplianceTls tls) {
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        metrics.accepted();
        channels.add(ch);
        addFrontHandlers(ch);
        long keepAliveMillis = options.keepAlive().toMillis();
        ChannelPipeline p = ch.pipeline();
        p.addLast(ENCODER, BackendFrameEncoder.INSTANCE);
        p.addLast(DECODER, new BackendFrameDecoder(options.maxFrameSize(), BackendFrameDecoder.Side.APPLIANCE));
        p.addLast(IDLE, new IdleStateHandler(3 * keepAliveMillis, keepAliveMillis, 0, TimeUnit.MILLISECONDS));
        p.addLast(HANDSHAKE, new ControlHandshakeHandler(options, gateway.capabilities(), authenticator, authExecutor,
                metrics, guard, () -> new ControlSessionHandler(options, gateway, metrics)));
        p.addLast(EXCEPTIONS, ControlExceptionHandler.INSTANCE);
        proxyProtocol.addFirstIfTrusted(ch); // last, so the PROXY header stages come before all others
    }

    /** The stages at the head of every control connection, before the frame codec: TLS when control-tls is on. */
    private void addFrontHandlers(SocketChannel ch) {
        ApplianceTls t = tls;
        if (t != null) {
            ch.pipeline().addLast(TLS, t.newBackendHandler(ch));
        }
    }
}
