package io.connmgr.agent.stream;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A device-initiated link (capability DEVICE_LINKS): the client listens on a local address, and every connection a
 * local program makes there becomes a stream to the named back-end service. {@code 127.0.0.1:15000=telemetry}.
 *
 * @param bindHost local address to listen on; keep it on loopback unless the whole network may use the link
 * @param bindPort local port; 0 picks a free one (tests)
 * @param service  back-end service name sent in STREAM_OPEN, 1..255 bytes of UTF-8
 */
public record LocalLink(String bindHost, int bindPort, String service) {

    public LocalLink {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(service, "service");
        if (bindHost.isBlank()) {
            throw new IllegalArgumentException("listen host is empty");
        }
        if (bindPort < 0 || bindPort > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535, got " + bindPort);
        }
        int bytes = service.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > 255) {
            throw new IllegalArgumentException("service name must be 1..255 bytes of UTF-8");
        }
    }

    /** Parses {@code HOST:PORT=SERVICE} ({@code [v6]:PORT=SERVICE} for IPv6). */
    public static LocalLink parse(String text) {
        String s = text.trim();
        int eq = s.indexOf('=');
        if (eq < 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT=SERVICE");
        }
        String listen = s.substring(0, eq).trim();
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT=SERVICE");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new LocalLink(host, Exposure.number(listen.substring(colon + 1), text), s.substring(eq + 1).trim());
    }

    @Override
    public String toString() {
        return (bindHost.contains(":") ? "[" + bindHost + "]" : bindHost) + ":" + bindPort + "=" + service;
    }
}
