package io.connmgr.agent.control;

import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.message.Frame;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** Last stage of a link's pipeline: hands decoded frames and channel events to the client, tagged with the link. */
final class LinkHandler extends ChannelInboundHandlerAdapter {
    private final DeviceClient client;
    private final Link link;

    LinkHandler(DeviceClient client, Link link) {
        this.client = client;
        this.link = link;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case Frame frame -> client.onFrame(link, frame);
            case ProtocolViolation violation -> client.onViolation(link, violation);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        client.onReadComplete(link);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        client.onWritabilityChanged(link);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        client.onLinkClosed(link);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors (reset by peer, ...) are ordinary for a device on a flaky network: report, close, retry.
        link.end(DisconnectCause.of(DisconnectCause.Kind.CONNECTION_LOST, describe(cause)));
    }

    /** The failure inside the wrappers that futures put around it. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
