package io.connmgr.appliance.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * HTTP CONNECT ({@code CONNECT dev-42:8080 HTTP/1.1}) with {@code Proxy-Authorization: Basic name:token}. Errors are
 * JSON bodies {"error":..., "message":...}; the connection closes after any error.
 */
final class HttpConnectProxyHandler extends ChannelInboundHandlerAdapter {
    private static final String PROXY_AUTHENTICATE = "Proxy-Authenticate: Basic realm=\"connmgr\"";

    private final ProxyConnection connection;
    private String deviceId;
    private int port;
    private String name;
    private String token;
    private boolean refused;

    HttpConnectProxyHandler(ProxyConnection connection) {
        this.connection = connection;
        connection.onTimeout(ProxyFailures.httpError(408, ProxyFailures.reason(408), "request_timeout",
                "the CONNECT request was not complete within " + connection.requestTimeoutMillis() + " ms"));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (refused) {
                return;
            }
            if (msg instanceof DecoderResultProvider d && d.decoderResult().isFailure()) {
                malformed(d.decoderResult());
                return;
            }
            if (msg instanceof HttpRequest req) {
                request(req);
            }
            if (msg instanceof LastHttpContent && deviceId != null && !refused) {
                authorize(ctx);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void request(HttpRequest req) {
        if (deviceId != null) {
            refuse(400, "bad_request", "one CONNECT per connection");
            return;
        }
        if (!HttpMethod.CONNECT.equals(req.method())) {
            refuse(405, "method_not_allowed", "this is a proxy for CONNECT requests to devices", "Allow: CONNECT");
            return;
        }
        String authority = req.uri();
        int colon = authority.lastIndexOf(':');
        int p = colon > 0 ? parsePort(authority.substring(colon + 1)) : -1;
        if (p <= 0) {
            refuse(400, "bad_request", "CONNECT needs host:port");
            return;
        }
        String header = req.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        deviceId = Destinations.deviceId(authority.substring(0, colon));
        port = p;
        if (header == null && connection.fromTrustedSource()) {
            name = null;
            return;
        }
        String credentials = basic(header);
        int sep = credentials == null ? -1 : credentials.indexOf(':');
        if (sep < 0) {
            refuse(407, "proxy_authentication_required", "Proxy-Authorization: Basic name:token is required",
                    PROXY_AUTHENTICATE);
            return;
        }
        name = credentials.substring(0, sep);
        token = credentials.substring(sep + 1);
    }

    private void authorize(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        String d = deviceId;
        int p = port;
        if (name == null) {
            connection.handOff(ctx, d, p, ProxyServer.TRUSTED_BACKEND, ProxyFailures.httpSuccess(),
                    ProxyFailures::httpFailure);
            return;
        }
        connection.authenticate(name, token, backend -> {
            if (backend.isEmpty()) {
                refuse(407, "bad_credentials", "the back-end name or token is not valid", PROXY_AUTHENTICATE);
                return;
            }
            connection.handOff(ctx, d, p, backend.get(), ProxyFailures.httpSuccess(), ProxyFailures::httpFailure);
        }, retryAfterSeconds -> refuse(429, "rate_limited", "too many failed credentials from this address; retry "
                + "later", "Retry-After: " + Math.max(1, retryAfterSeconds)));
    }

    private void malformed(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            refuse(414, "malformed", "request line too long");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            refuse(431, "malformed", "request headers too large");
        } else {
            refuse(400, "malformed", "not a valid HTTP request");
        }
    }

    private void refuse(int status, String error, String message, String... headers) {
        refused = true;
        connection.refuse(ProxyFailures.httpError(status, ProxyFailures.reason(status), error, message, headers),
                error.equals("malformed") ? "malformed" : error);
    }

    private static int parsePort(String text) {
        try {
            int p = Integer.parseInt(text);
            return p > 0 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String basic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
