package io.connmgr.appliance.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's aggregator with the API's own 413: a JSON body and a count in the request metrics, like every other error.
 * Whether the connection survives follows Netty: it does when the oversized body can be skipped cleanly.
 */
final class BoundedRequestAggregator extends HttpObjectAggregator {
    private final int maxRequestBytes;
    private final Router router;
    private final ResponseWriter writer;

    BoundedRequestAggregator(int maxRequestBytes, Router router, ResponseWriter writer) {
        super(maxRequestBytes);
        this.maxRequestBytes = maxRequestBytes;
        this.router = router;
        this.writer = writer;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest request)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        // Once body bytes have been taken in (a FullHttpMessage), the rest cannot be skipped reliably: close.
        boolean close = oversized instanceof FullHttpMessage
                || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized);
        writer.write(ctx, tooLarge(), routeTag(request), close);
    }

    /**
     * Replaces Netty's empty 413 to an {@code Expect: 100-continue} whose announced length is too large, and its empty
     * 417 to an {@code Expect} it does not know (found by fuzzing: a flipped bit in "100-continue" got a bodiless 417).
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse http && start instanceof HttpRequest request) {
            int status = http.status().code();
            if (status == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
                ReferenceCountUtil.release(response);
                return writer.toHttp(tooLarge(), routeTag(request), false);
            }
            if (status == HttpResponseStatus.EXPECTATION_FAILED.code()) {
                ReferenceCountUtil.release(response);
                return writer.toHttp(AdminResponse.error(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
                        "only 'Expect: 100-continue' is supported"), routeTag(request), false);
            }
        }
        return response;
    }

    private AdminResponse tooLarge() {
        return AdminResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                "request body larger than " + maxRequestBytes + " bytes");
    }

    private String routeTag(HttpRequest request) {
        return router.match(request.method(), new QueryStringDecoder(request.uri()).rawPath()).routeTag();
    }
}
