package io.connmgr.appliance.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * SOCKS5 (RFC 1928) with username/password authentication (RFC 1929), required except from trusted sources: username
 * = back-end name, password = its token. Only CONNECT, to a domain name or an IPv4 address (its dotted form is taken as the device id).
 */
final class Socks5ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] METHOD_PASSWORD = {0x05, 0x02};
    private static final byte[] METHOD_NO_AUTH = {0x05, 0x00};
    private static final byte[] NO_ACCEPTABLE_METHOD = {0x05, (byte) 0xFF};
    private static final byte[] AUTH_OK = {0x01, 0x00};
    private static final byte[] AUTH_FAILED = {0x01, 0x01};
    private static final int MAX_HELD_BYTES = 1024;

    private final ProxyConnection connection;
    private String backend;
    /** Bytes that arrived behind the credentials while they were being checked (a client that pipelines). */
    private List<ByteBuf> held;
    private int heldBytes;

    Socks5ProxyHandler(ProxyConnection connection) {
        this.connection = connection;
        connection.onTimeout(NO_ACCEPTABLE_METHOD);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf raw) {
                hold(ctx, raw.retain());
                return;
            }
            if (msg instanceof DecoderResultProvider d && d.decoderResult().isFailure()) {
                malformed(msg, d.decoderResult().cause());
                return;
            }
            switch (msg) {
                case Socks5InitialRequest init -> greeting(ctx, init);
                case Socks5PasswordAuthRequest auth -> credentials(ctx, auth);
                case Socks5CommandRequest command -> command(ctx, command);
                default -> connection.refuse(NO_ACCEPTABLE_METHOD, "malformed");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void malformed(Object msg, Throwable cause) {
        String text = String.valueOf(cause.getMessage());
        switch (msg) {
            case Socks5PasswordAuthRequest a -> connection.refuse(AUTH_FAILED, "malformed");
            case Socks5CommandRequest c -> connection.refuse(ProxyFailures.socksReply(text.contains("address type")
                    ? ProxyFailures.SOCKS_ADDRESS_TYPE_NOT_SUPPORTED : ProxyFailures.SOCKS_GENERAL_FAILURE),
                    "malformed");
            default -> connection.refuse(NO_ACCEPTABLE_METHOD, "malformed");
        }
    }

    private void greeting(ChannelHandlerContext ctx, Socks5InitialRequest init) {
        // A client that offers a password is asked for it, so the request carries a back-end name even when trusted.
        if (!init.authMethods().contains(Socks5AuthMethod.PASSWORD)
                && init.authMethods().contains(Socks5AuthMethod.NO_AUTH) && connection.fromTrustedSource()) {
            backend = ProxyServer.TRUSTED_BACKEND;
            ctx.pipeline().replace(ProxyConnection.DECODER, ProxyConnection.DECODER, new Socks5CommandRequestDecoder());
            connection.onTimeout(ProxyFailures.socksReply(ProxyFailures.SOCKS_GENERAL_FAILURE));
            ctx.writeAndFlush(Unpooled.wrappedBuffer(METHOD_NO_AUTH));
            return;
        }
        if (!init.authMethods().contains(Socks5AuthMethod.PASSWORD)) {
            connection.refuse(NO_ACCEPTABLE_METHOD, "auth_method");
            return;
        }
        ctx.pipeline().replace(ProxyConnection.DECODER, ProxyConnection.DECODER,
                new Socks5PasswordAuthRequestDecoder());
        connection.onTimeout(AUTH_FAILED);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(METHOD_PASSWORD));
    }

    private void credentials(ChannelHandlerContext ctx, Socks5PasswordAuthRequest auth) {
        ctx.channel().config().setAutoRead(false);
        connection.authenticate(auth.username(), auth.password(), name -> {
            if (name.isEmpty()) {
                releaseHeld();
                connection.refuse(AUTH_FAILED, "bad_credentials");
                return;
            }
            backend = name.get();
            ctx.pipeline().replace(ProxyConnection.DECODER, ProxyConnection.DECODER,
                    new Socks5CommandRequestDecoder());
            connection.onTimeout(ProxyFailures.socksReply(ProxyFailures.SOCKS_GENERAL_FAILURE));
            ctx.writeAndFlush(Unpooled.wrappedBuffer(AUTH_OK));
            List<ByteBuf> replay = held;
            held = null;
            if (replay != null) {
                // Into the new decoder, behind the listener's TLS: these bytes are decrypted already.
                replay.forEach(b -> io.connmgr.appliance.transport.FrontStages.replayInto(ctx.pipeline(),
                        ProxyConnection.DECODER, b));
            }
            ctx.channel().config().setAutoRead(true);
        }, retryAfterSeconds -> {
            // RFC 1929 has one failure status; the counter tells rate limiting apart
            releaseHeld();
            connection.refuse(AUTH_FAILED, "rate_limited");
        });
    }

    private void command(ChannelHandlerContext ctx, Socks5CommandRequest c) {
        if (backend == null) {
            connection.refuse(AUTH_FAILED, "bad_credentials");
            return;
        }
        if (c.type() != Socks5CommandType.CONNECT) {
            connection.refuse(ProxyFailures.socksReply(ProxyFailures.SOCKS_COMMAND_NOT_SUPPORTED),
                    "unsupported_command");
            return;
        }
        if (c.dstAddrType() == Socks5AddressType.IPv6) {
            connection.refuse(ProxyFailures.socksReply(ProxyFailures.SOCKS_ADDRESS_TYPE_NOT_SUPPORTED),
                    "unsupported_address");
            return;
        }
        connection.handOff(ctx, Destinations.deviceId(c.dstAddr()), c.dstPort(), backend,
                ProxyFailures.socksReply(0x00),
                f -> ProxyFailures.socksReply(ProxyFailures.socksCode(f)));
    }

    private void hold(ChannelHandlerContext ctx, ByteBuf raw) {
        if (backend != null || heldBytes + raw.readableBytes() > MAX_HELD_BYTES) {
            raw.release();
            releaseHeld();
            connection.refuse(ProxyFailures.socksReply(ProxyFailures.SOCKS_GENERAL_FAILURE), "malformed");
            return;
        }
        if (held == null) {
            held = new ArrayList<>(1);
        }
        held.add(raw);
        heldBytes += raw.readableBytes();
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(ByteBuf::release);
            held = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }
}
