package io.connmgr.appliance.proxy;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.BackendGuard;
import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.appliance.stream.BackendRelayHandler;
import io.connmgr.appliance.stream.OpenFailure;
import io.connmgr.appliance.stream.OpenRequest;
import io.connmgr.appliance.stream.SocketEndpoint;
import io.connmgr.appliance.stream.StreamMetrics;
import io.connmgr.appliance.transport.ClientAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * What both proxy protocols share for one back-end connection: the request deadline, credential checks off the event
 * loop, refusals, and the hand-off of the connection to a stream.
 */
final class ProxyConnection {
    static final String DETECTOR = "detect";
    static final String DECODER = "proxy-decoder";
    static final String PROTOCOL = "proxy-protocol";
    static final String RELAY = "relay";
    static final String EXCEPTIONS = "exceptions";

    private final Channel channel;
    private final ProxyServer.Context context;
    private final ScheduledFuture<?> deadline;
    private String protocol = "unknown";
    /** What a client whose time ran out is told; none until its protocol is known (then it is silence that timed out). */
    private byte[] timeoutReply;
    private volatile boolean done;

    ProxyConnection(Channel channel, ProxyServer.Context context) {
        this.channel = channel;
        this.context = context;
        this.deadline = channel.eventLoop().schedule(() -> {
            if (timeoutReply == null) {
                finish("timeout");
                channel.close();
            } else {
                refuse(timeoutReply, "timeout");
            }
        }, context.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
    }

    void protocol(String name) {
        this.protocol = name;
    }

    /** The protocol's answer for the step the request is in, should the request deadline pass there. */
    void onTimeout(byte[] reply) {
        this.timeoutReply = reply;
    }

    long requestTimeoutMillis() {
        return context.requestTimeoutMillis();
    }

    /**
     * The client is in {@code proxy-trusted-sources} and may go without credentials. Behind a trusted balancer that
     * is the client its PROXY header names, not the balancer: trusting the balancer's address would let everyone
     * behind it in. Only a balancer in {@code proxy-protocol-trusted} can name a client, so no one else can claim a
     * trusted address this way; a balancer's LOCAL health check goes by the balancer's own address.
     */
    boolean fromTrustedSource() {
        return context.trustedSources().contains(ClientAddress.of(channel));
    }

    /**
     * Checks a back-end credential on the store executor; {@code then} runs on the channel's event loop. An address
     * that failed too often lately is not checked at all: {@code limited} runs instead, given the seconds to wait. An
     * accepted connection is registered under its back-end, so revoking the credential closes it.
     */
    void authenticate(String name, String token, Consumer<Optional<String>> then, LongConsumer limited) {
        SocketAddress source = ClientAddress.of(channel);
        BackendGuard guard = context.guard();
        if (!guard.failures().allow(source)) {
            limited.accept(guard.failures().retryAfterSeconds(source));
            return;
        }
        BackendAuthenticator auth = context.authenticator();
        long stamp = guard.connections().stamp();
        CompletableFuture.supplyAsync(() -> auth.authenticate(name, token), context.authExecutor())
                .exceptionally(e -> Optional.empty())
                .thenAcceptAsync(result -> {
                    if (!channel.isActive()) {
                        return;
                    }
                    if (result.isEmpty()) {
                        guard.failures().failed(source);
                    } else if (!guard.connections().register(result.get(), channel, stamp, this::revoked)) {
                        return;
                    }
                    then.accept(result);
                }, channel.eventLoop());
    }

    /** The credential was revoked: a relayed connection is a byte stream by now, so closing is all there is. */
    private void revoked() {
        finish("revoked");
        channel.close();
    }

    /** Answers with {@code reply} and closes, counting the outcome. */
    void refuse(byte[] reply, String outcome) {
        finish(outcome);
        channel.config().setAutoRead(false);
        // Written below every codec: the answer is pre-encoded, and an HTTP encoder would refuse raw bytes. But above
        // TLS, which must encrypt it: from the first stage behind the SslHandler, if there is one.
        ChannelHandlerContext first = belowCodecs(channel.pipeline());
        (first == null ? channel.writeAndFlush(Unpooled.wrappedBuffer(reply))
                : first.writeAndFlush(Unpooled.wrappedBuffer(reply))).addListener(ChannelFutureListener.CLOSE);
    }

    /** The first stage behind the listener's TLS stage (or the very first): writing from it reaches the socket
     * through TLS and through no codec. */
    private static ChannelHandlerContext belowCodecs(ChannelPipeline p) {
        ChannelHandlerContext ssl = p.context(io.netty.handler.ssl.SslHandler.class);
        if (ssl == null) {
            return p.firstContext();
        }
        java.util.List<String> names = p.names();
        int at = names.indexOf(ssl.name());
        return at + 1 < names.size() && p.context(names.get(at + 1)) != null ? p.context(names.get(at + 1)) : null;
    }

    private void finish(String outcome) {
        if (!done) {
            done = true;
            metrics().proxyRequest(protocol, outcome);
        }
    }

    StreamMetrics metrics() {
        return context.streams().metrics();
    }

    /**
     * The request is understood and allowed: the protocol stages leave the pipeline (their leftover bytes go to the
     * relay), and the stream service takes over. The success or failure answer is written by the stream service's
     * callback, before any stream byte.
     */
    void handOff(ChannelHandlerContext ctx, String deviceId, int port, String origin, byte[] success,
                 Function<OpenFailure, byte[]> failure) {
        deadline.cancel(false);
        channel.config().setAutoRead(false);
        ChannelPipeline p = ctx.pipeline();
        BackendRelayHandler relay = new BackendRelayHandler();
        p.addBefore(EXCEPTIONS, RELAY, relay);
        for (String name : new String[]{PROTOCOL, DECODER}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        SocketEndpoint backend = new SocketEndpoint(channel, relay);
        context.opener().accept(new OpenRequest(deviceId, port, origin, backend, new OpenRequest.Reply() {
            @Override
            public void succeeded() {
                finish("ok");
                channel.writeAndFlush(Unpooled.wrappedBuffer(success));
            }

            @Override
            public void failed(OpenFailure f) {
                refuse(failure.apply(f), f.tag());
            }
        }));
    }

    Executor executor() {
        return channel.eventLoop();
    }
}
