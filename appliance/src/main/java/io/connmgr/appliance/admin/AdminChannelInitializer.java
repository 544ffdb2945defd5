package io.connmgr.appliance.admin;

import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

import java.time.Duration;
import java.util.concurrent.Executor;

/** Builds the pipeline of one admin API connection. */
final class AdminChannelInitializer extends ChannelInitializer<Channel> {
    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;

    private final Router router;
    private final BearerAuth auth;
    private final Executor workers;
    private final ResponseWriter writer;
    private final int maxRequestBytes;
    private final Duration requestTimeout;
    private final ChannelGroup connections;
    private volatile ApplianceTls tls;

    AdminChannelInitializer(Router router, BearerAuth auth, Executor workers, ResponseWriter writer,
                            int maxRequestBytes, Duration requestTimeout, ChannelGroup connections) {
        this.router = router;
        this.auth = auth;
        this.workers = workers;
        this.writer = writer;
        this.maxRequestBytes = maxRequestBytes;
        this.requestTimeout = requestTimeout;
        this.connections = connections;
    }

    void tls(ApplianceTls tls) {
        this.tls = tls;
    }

    /*
     * Order matters:
     * - the front stages (TLS when admin-tls is on) before everything: the rest sees plain HTTP;
     * - the codec first: everything after it sees HTTP objects;
     * - keep-alive right after the codec, so that it sees every response, including the aggregator's own 413/100;
     * - the aggregator bounds the body before anything buffers it;
     * - the deadline sits after the aggregator, where a complete request is visible as one message;
     * - the dispatcher answers; the exception handler is last so that nothing escapes unlogged.
     */
    @Override
    protected void initChannel(Channel channel) {
        connections.add(channel);
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES);
        ChannelPipeline pipeline = channel.pipeline();
        addFrontHandlers(channel);
        pipeline.addLast("http-codec", new HttpServerCodec(decoderConfig));
        pipeline.addLast("keep-alive", new HttpServerKeepAliveHandler());
        pipeline.addLast("aggregator", new BoundedRequestAggregator(maxRequestBytes, router, writer));
        pipeline.addLast("request-deadline", new RequestDeadlineHandler(requestTimeout, writer));
        pipeline.addLast("dispatcher", new AdminDispatcher(router, auth, workers, writer));
        pipeline.addLast("exceptions", AdminExceptionHandler.INSTANCE);
    }

    private void addFrontHandlers(Channel channel) {
        ApplianceTls t = tls;
        if (t != null) {
            channel.pipeline().addLast("tls", t.newBackendHandler(channel));
        }
    }
}
