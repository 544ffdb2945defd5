package io.connmgr.appliance.admin;

import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.appliance.store.StoreException;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Routes each request, checks the token, and runs the handler on the event loop or the worker pool. One instance per
 * connection: requests of one connection are answered strictly in order (HTTP/1.1 pipelining) and, while one is being
 * worked on, the connection stops reading so that a client cannot queue up unbounded work. A worker route's handler
 * may answer with a future (a durable write, a device's RPC answer): the worker is free at once and the response is
 * written on the event loop when the future completes.
 */
final class AdminDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminDispatcher.class);
    /** Requests already decoded from one read while another is in progress; more than this is abuse. */
    private static final int MAX_PIPELINED = 16;
    private static final int MAX_QUERY_PARAMETERS = 16;
    private static final String PROTECTED_PREFIX = "/v1/";

    private final Router router;
    private final BearerAuth auth;
    private final Executor workers;
    private final ResponseWriter writer;
    private final ArrayDeque<Exchange> pending = new ArrayDeque<>();
    private boolean working;

    AdminDispatcher(Router router, BearerAuth auth, Executor workers, ResponseWriter writer) {
        this.router = router;
        this.auth = auth;
        this.workers = workers;
        this.writer = writer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (pending.size() >= MAX_PIPELINED) {
            log.debug("admin client {} pipelined more than {} requests; closing", ctx.channel().remoteAddress(),
                    MAX_PIPELINED);
            ctx.close();
            return;
        }
        pending.add(exchange(request, ClientAddress.of(ctx.channel())));
        ctx.channel().config().setAutoRead(false);
        runPending(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pending.clear();
        super.channelInactive(ctx);
    }

    /** Decides, on the event loop, what answering this request takes. Copies the body out of the Netty buffer. */
    private Exchange exchange(FullHttpRequest request, SocketAddress source) {
        if (request.decoderResult().isFailure()) {
            return Exchange.immediate(MalformedRequests.ROUTE, MalformedRequests.response(
                    request.decoderResult().cause()), true);
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8, true,
                MAX_QUERY_PARAMETERS);
        String rawPath = uri.rawPath();
        RouteMatch match = router.match(request.method(), rawPath);
        if (needsToken(match, rawPath)) {
            BearerAuth.Caller caller = auth.caller(request.headers(), source);
            if (caller.rateLimited()) {
                return Exchange.immediate(match.routeTag(), AdminResponse.error(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "rate_limited", caller.refusal())
                        .withHeader(HttpHeaderNames.RETRY_AFTER.toString(), Long.toString(caller.retryAfterSeconds())),
                        false);
            }
            if (caller.refusal() != null) {
                return Exchange.immediate(match.routeTag(),
                        AdminResponse.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", caller.refusal())
                                .withHeader(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer realm=\"connmgr\""),
                        false);
            }
            if (!caller.admin() && match instanceof RouteMatch.Found found
                    && found.route().access() != Route.Access.BACKEND) {
                return Exchange.immediate(match.routeTag(), AdminResponse.error(HttpResponseStatus.FORBIDDEN,
                        "forbidden", "a back-end token may only use the device messaging, RPC and settings "
                                + "endpoints; this one needs the admin token"), false);
            }
        }
        return switch (match) {
            case RouteMatch.NotFound notFound -> Exchange.immediate(notFound.routeTag(),
                    AdminResponse.error(HttpResponseStatus.NOT_FOUND, "not_found",
                            "no endpoint at " + AdminJson.truncate(rawPath)), false);
            case RouteMatch.MethodNotAllowed wrongMethod -> Exchange.immediate(wrongMethod.routeTag(),
                    AdminResponse.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                                    request.method().name() + " is not allowed on " + wrongMethod.template()
                                            + "; allowed: " + String.join(", ", wrongMethod.allowed()))
                            .withHeader(HttpHeaderNames.ALLOW.toString(), String.join(", ", wrongMethod.allowed())),
                    false);
            case RouteMatch.Found found -> routed(found, uri, request);
        };
    }

    private static Exchange routed(RouteMatch.Found found, QueryStringDecoder uri, FullHttpRequest request) {
        Map<String, List<String>> query;
        try {
            query = uri.parameters();
        } catch (IllegalArgumentException e) {
            return Exchange.immediate(found.routeTag(), ApiException.badRequest("malformed query string")
                    .toResponse(), false);
        }
        Route route = found.route();
        Map<String, String> headers = new java.util.HashMap<>();
        for (Map.Entry<String, String> h : request.headers()) {
            headers.putIfAbsent(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue());
        }
        AdminRequest adminRequest = new AdminRequest(request.method(), found.routeTag(), found.rawVariables(), query,
                ByteBufUtil.getBytes(request.content()), headers);
        return new Exchange(found.routeTag(), route.execution(), () -> route.handler().handleAsync(adminRequest),
                false);
    }

    /** Everything under /v1 needs the token, including paths that do not exist: probing learns nothing. */
    private static boolean needsToken(RouteMatch match, String rawPath) {
        if (match instanceof RouteMatch.Found found) {
            return found.route().access() != Route.Access.OPEN;
        }
        return rawPath.startsWith(PROTECTED_PREFIX) || rawPath.equals("/v1");
    }

    /** Answers queued requests in order; at most one is on a worker at a time. Runs on the event loop. */
    private void runPending(ChannelHandlerContext ctx) {
        while (!working && !pending.isEmpty()) {
            Exchange exchange = pending.poll();
            if (exchange.execution() == Route.Execution.EVENT_LOOP) {
                respond(ctx, exchange, exchange.answer());
            } else {
                working = true;
                try {
                    workers.execute(() -> exchange.answerLater().thenAccept(response -> {
                        try {
                            ctx.executor().execute(() -> {
                                working = false;
                                respond(ctx, exchange, response);
                                runPending(ctx);
                            });
                        } catch (RejectedExecutionException e) {
                            log.debug("admin event loop shut down before {} could be answered", exchange.route());
                        }
                    }));
                } catch (RejectedExecutionException e) {
                    working = false;
                    respond(ctx, exchange, AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded",
                            "the admin API is busy; retry shortly").withHeader("Retry-After", "1"));
                }
            }
        }
        resumeReading(ctx);
    }

    /**
     * The next request is read once this one is answered and its response can be written: a client that pipelines
     * requests without reading the responses makes the channel unwritable and is not read again until it reads.
     */
    private void resumeReading(ChannelHandlerContext ctx) {
        if (!working && pending.isEmpty() && ctx.channel().isActive() && ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        resumeReading(ctx);
        super.channelWritabilityChanged(ctx);
    }

    private void respond(ChannelHandlerContext ctx, Exchange exchange, AdminResponse response) {
        if (!ctx.channel().isActive()) {
            return;
        }
        writer.write(ctx, response, exchange.route(), exchange.close());
        if (exchange.close()) {
            pending.clear();
        }
    }

    /**
     * One request's way to its response.
     *
     * @param close whether the connection ends after this response (the byte stream can no longer be trusted)
     */
    private record Exchange(String route, Route.Execution execution,
                            Supplier<CompletableFuture<AdminResponse>> work, boolean close) {

        static Exchange immediate(String route, AdminResponse response, boolean close) {
            return new Exchange(route, Route.Execution.EVENT_LOOP, () -> CompletableFuture.completedFuture(response),
                    close);
        }

        /** For event-loop routes, whose handlers never wait. */
        AdminResponse answer() {
            return answerLater().getNow(AdminResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                    "internal error; see the appliance log"));
        }

        /** Never fails: refusals become their response, bugs a 500 that shows the client nothing internal. */
        CompletableFuture<AdminResponse> answerLater() {
            CompletableFuture<AdminResponse> future;
            try {
                future = work.get();
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            return future.exceptionally(this::failure);
        }

        /**
         * A store that cannot write is the server's condition, not a bug: 507 when the disk is full, else 503, so a
         * client retries instead of taking the request as done (the store logs the cause and the data dir).
         */
        private AdminResponse storeFailure(StoreException e) {
            log.warn("admin route {}: store failure: {}", route, e.getMessage());
            return switch (e.kind()) {
                case DISK_FULL -> AdminResponse.error(HttpResponseStatus.INSUFFICIENT_STORAGE, "store_full",
                        "the appliance's disk is full; nothing was stored, retry once space is freed");
                case CORRUPT -> AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_corrupt",
                        "the appliance's store is damaged; nothing was stored");
                default -> AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                        "the appliance's store failed (" + e.kind().name().toLowerCase(java.util.Locale.ROOT)
                                + "); nothing was stored, retry later");
            };
        }

        private AdminResponse failure(Throwable t) {
            Throwable e = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                    ? t.getCause() : t;
            if (e instanceof ApiException api) {
                return api.toResponse();
            }
            if (e instanceof StoreException store) {
                return storeFailure(store);
            }
            log.warn("admin route {} failed", route, e);
            return AdminResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                    "internal error; see the appliance log");
        }
    }
}
