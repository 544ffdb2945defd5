package io.connmgr.agent.stream;

import java.util.Objects;

/**
 * A device-side port the appliance may open streams to, and the local address behind it: {@code 22} means port 22 on
 * 127.0.0.1, {@code 8080=127.0.0.1:80} exposes port 8080 to back-ends and connects to 127.0.0.1:80. Only listed
 * ports are reachable; every other STREAM_OPEN is answered {@code NOT_EXPOSED}.
 *
 * @param port       the port back-ends ask for (STREAM_OPEN and CONNECT_REQUEST port field)
 * @param targetHost where the agent connects locally
 * @param targetPort the local port it connects to
 */
public record Exposure(int port, String targetHost, int targetPort) {
    public static final String LOCALHOST = "127.0.0.1";

    public Exposure {
        checkPort(port, "exposed port");
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetHost.isBlank()) {
            throw new IllegalArgumentException("target host is empty");
        }
        checkPort(targetPort, "target port");
    }

    /** Port {@code port} on 127.0.0.1. */
    public static Exposure local(int port) {
        return new Exposure(port, LOCALHOST, port);
    }

    /** Parses {@code PORT} or {@code PORT=HOST:PORT} ({@code [v6]:PORT} for IPv6). */
    public static Exposure parse(String text) {
        String s = text.trim();
        int eq = s.indexOf('=');
        if (eq < 0) {
            return local(number(s, text));
        }
        int port = number(s.substring(0, eq).trim(), text);
        String target = s.substring(eq + 1).trim();
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not PORT or PORT=HOST:PORT");
        }
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Exposure(port, host, number(target.substring(colon + 1), text));
    }

    @Override
    public String toString() {
        return port + "=" + (targetHost.contains(":") ? "[" + targetHost + "]" : targetHost) + ":" + targetPort;
    }

    static int number(String digits, String text) {
        try {
            return Integer.parseInt(digits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': '" + digits + "' is not a port number");
        }
    }

    static void checkPort(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " must be 1..65535, got " + port);
        }
    }
}
