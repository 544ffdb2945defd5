package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.transport.ClientAddress;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * Stands right behind Netty's {@link HAProxyMessageDecoder} on a connection from a trusted balancer. It takes the one
 * header the decoder produces, records the client the header names ({@link ClientAddress}) and leaves the pipeline;
 * the decoder then leaves too and hands the bytes that followed the header, unchanged, to the listener's own stages.
 * A LOCAL header (a balancer's health check) or an UNKNOWN one keeps the socket's address, as the protocol says. TLVs
 * are ignored.
 *
 * <p>No valid header before the deadline, a malformed or oversized one, or a close before it is complete: the
 * connection is closed, counted by reason and logged at debug. Nothing is ever written to the balancer, and the
 * close starts here so no stage behind this one (a TLS handler) writes either.
 */
final class ProxyProtocolFront extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolFront.class);
    /** Netty's words for a header over its limit; they are what tells TOO_LARGE from MALFORMED. */
    private static final String OVER_LIMIT = "exceeds the allowed maximum";

    private final long deadlineMillis;
    private final ProxyProtocolMetrics metrics;
    private ScheduledFuture<?> deadline;
    private boolean decided;

    ProxyProtocolFront(long deadlineMillis, ProxyProtocolMetrics metrics) {
        this.deadlineMillis = deadlineMillis;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> refuse(ctx, HeaderRefusal.TIMEOUT,
                "no PROXY header within " + deadlineMillis + " ms"), deadlineMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) {
            // Refused: whatever the decoder still lets go of (it flushes what it held when removed) goes nowhere.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HAProxyMessage header)) {
            // The decoder emits nothing but headers; bytes are never let past without one.
            ReferenceCountUtil.release(msg);
            refuse(ctx, HeaderRefusal.MALFORMED, "data before the PROXY header");
            return;
        }
        try {
            accept(ctx, header);
        } finally {
            header.release(); // TLVs hold slices of the input
        }
    }

    private void accept(ChannelHandlerContext ctx, HAProxyMessage header) {
        HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        boolean socketAddress = header.command() == HAProxyCommand.LOCAL || protocol == HAProxyProxiedProtocol.UNKNOWN;
        if (!socketAddress && protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
            refuse(ctx, HeaderRefusal.UNSUPPORTED, protocol + " on a TCP listener");
            return;
        }
        InetSocketAddress client = socketAddress ? null : address(header.sourceAddress(), header.sourcePort());
        if (!socketAddress && client == null) {
            refuse(ctx, HeaderRefusal.MALFORMED, "source address " + header.sourceAddress());
            return;
        }
        decided = true;
        deadline.cancel(false);
        if (client != null) {
            ClientAddress.record(ctx.channel(), client);
        }
        metrics.accepted(header.protocolVersion() == HAProxyProtocolVersion.V1 ? 1 : 2, client != null);
        ctx.pipeline().remove(this);
    }

    /** The header's source as a socket address; literal addresses only, so nothing is ever looked up. */
    private static InetSocketAddress address(String literal, int port) {
        byte[] raw = literal == null ? null : NetUtil.createByteArrayFromIpAddressString(literal);
        if (raw == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Everything the decoder throws arrives as a DecoderException (HAProxyProtocolException is one). A bad header
        // is the balancer's fault, counted here: it never reaches the listener's exception stage or a log as a trace.
        if (cause instanceof DecoderException) {
            String detail = String.valueOf(cause.getMessage());
            refuse(ctx, detail.contains(OVER_LIMIT) ? HeaderRefusal.TOO_LARGE : HeaderRefusal.MALFORMED, detail);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            decided = true;
            deadline.cancel(false);
            metrics.refused(HeaderRefusal.CLOSED);
            log.debug("balancer {} closed before a complete PROXY header", ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }

    private void refuse(ChannelHandlerContext ctx, HeaderRefusal reason, String detail) {
        if (decided) {
            return; // the decoder may report again while the channel closes
        }
        decided = true;
        deadline.cancel(false);
        metrics.refused(reason);
        log.debug("PROXY header from balancer {} refused ({}): {}", ctx.channel().remoteAddress(), reason.tag(),
                detail);
        ctx.close();
    }
}
