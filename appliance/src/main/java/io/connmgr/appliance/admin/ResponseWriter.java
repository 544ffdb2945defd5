package io.connmgr.appliance.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns an {@link AdminResponse} into HTTP and counts it. Bodies are never logged: one of them carries a token. */
final class ResponseWriter {
    private static final Logger log = LoggerFactory.getLogger(ResponseWriter.class);

    private final AdminRequestMetrics metrics;

    ResponseWriter(AdminRequestMetrics metrics) {
        this.metrics = metrics;
    }

    /** Writes on the channel's event loop; with {@code close} the connection ends once the response is out. */
    ChannelFuture write(ChannelHandlerContext ctx, AdminResponse response, String route, boolean close) {
        ChannelFuture written = ctx.writeAndFlush(toHttp(response, route, close));
        if (close) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }

    /** Builds the HTTP response and counts it; for callers that hand it to Netty themselves. */
    FullHttpResponse toHttp(AdminResponse response, String route, boolean close) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(),
                Unpooled.wrappedBuffer(response.body()));
        if (response.contentType() != null) {
            http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        if (response.status().code() != 204) {
            http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        }
        response.headers().forEach((name, value) -> http.headers().set(name, value));
        if (close) {
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        metrics.record(response.status().code(), route);
        log.debug("admin {} -> {}", route, response.status().code());
        return http;
    }
}
