package io.connmgr.agent.control;

import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyHandler;
import io.netty.handler.proxy.Socks5ProxyHandler;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * An outbound proxy the device must go through to reach the appliance ({@code --via}): HTTP CONNECT or SOCKS5, with
 * optional user name and password. The appliance's host name is passed to the proxy unresolved, because behind such a
 * proxy the device often cannot resolve outside names itself.
 *
 * @param type     the proxy protocol
 * @param host     proxy host
 * @param port     proxy port
 * @param user     user name, or {@code null} for none
 * @param password password, or {@code null} for none
 */
public record OutboundProxy(Type type, String host, int port, String user, String password) {

    public enum Type { HTTP, SOCKS5 }

    public OutboundProxy {
        Objects.requireNonNull(type, "type");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("proxy host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("proxy port must be 1..65535, got " + port);
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("give both user and password, or neither");
        }
    }

    /** Parses {@code http://[user:pass@]host:port} or {@code socks5://[user:pass@]host:port}. */
    public static OutboundProxy parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + redact(text) + "' is not a proxy URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Type type = switch (scheme) {
            case "http" -> Type.HTTP;
            case "socks5", "socks" -> Type.SOCKS5;
            default -> throw new IllegalArgumentException("'" + redact(text)
                    + "': scheme must be http:// or socks5://");
        };
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("'" + redact(text) + "': expected " + scheme + "://HOST:PORT");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            throw new IllegalArgumentException("'" + redact(text) + "': a proxy URL has no path");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + redact(text) + "': write user:password@");
            }
            user = URLDecoder.decode(userInfo.substring(0, colon), StandardCharsets.UTF_8);
            password = URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8);
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new OutboundProxy(type, host, uri.getPort(), user, password);
    }

    /** A fresh handler for one connection; it goes first in the pipeline. */
    public ProxyHandler newHandler() {
        // The proxy's own address is resolved here; the destination is left to the proxy.
        InetSocketAddress address = new InetSocketAddress(host, port);
        return switch (type) {
            case HTTP -> user == null ? new HttpProxyHandler(address) : new HttpProxyHandler(address, user, password);
            case SOCKS5 -> new Socks5ProxyHandler(address, user, password);
        };
    }

    /** The URL without the password, for logs. */
    @Override
    public String toString() {
        return type.name().toLowerCase(Locale.ROOT) + "://" + (user == null ? "" : user + ":***@")
                + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String redact(String text) {
        return text.replaceAll("//[^@/]*@", "//***@");
    }
}
