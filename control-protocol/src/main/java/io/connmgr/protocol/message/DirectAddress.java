package io.connmgr.protocol.message;

import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a device can be reached directly, as its HELLO announces it (docs/protocol.md section 5.1): {@code HOST} or
 * {@code HOST:PORT}, an IPv6 address in brackets ({@code [2001:db8::7]:8080}). HOST is a DNS name (letters, digits
 * and hyphens in dot-separated labels of 1..63 characters) or a dotted-quad IPv4 address; PORT is 1..65535. The text
 * is at most 255 bytes, and {@link #toString()} gives back exactly the text parsed, so the bytes on the wire survive
 * a decode and encode unchanged.
 *
 * @param host the host without brackets
 * @param port the port, or 0 when the address names none (then every port of the host is meant)
 */
public record DirectAddress(String host, int port) {
    /** Longest text: its length travels as a u8. */
    public static final int MAX_BYTES = 255;
    private static final int MAX_NAME_CHARS = 253;
    private static final int MAX_LABEL_CHARS = 63;

    public DirectAddress {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        String problem = hostProblem(host);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (toText(host, port).getBytes(StandardCharsets.US_ASCII).length > MAX_BYTES) {
            throw new IllegalArgumentException("direct address longer than " + MAX_BYTES + " bytes");
        }
    }

    /** Whether the address names a port; without one the port a server asks for is used. */
    public boolean hasPort() {
        return port != 0;
    }

    /**
     * Parses {@code HOST}, {@code HOST:PORT}, {@code [IPV6]} or {@code [IPV6]:PORT}.
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    public static DirectAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("direct address is empty");
        }
        if (text.length() > MAX_BYTES) {
            throw new IllegalArgumentException("direct address longer than " + MAX_BYTES + " bytes");
        }
        String host;
        String portText = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("direct address '" + text + "' has no closing ']'");
            }
            host = text.substring(1, close);
            String after = text.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("direct address '" + text + "': expected ':PORT' after ']'");
                }
                portText = after.substring(1);
            }
            if (!host.contains(":")) {
                throw new IllegalArgumentException("direct address '" + text + "': brackets are for IPv6 addresses");
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("direct address '" + text
                        + "': write an IPv6 address in brackets, [2001:db8::7]:8080");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            portText = colon < 0 ? null : text.substring(colon + 1);
        }
        int port = 0;
        if (portText != null) {
            port = port(portText);
            if (port == 0) {
                throw new IllegalArgumentException("direct address '" + text + "': port must be 1..65535");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("direct address '" + text + "' has no host");
        }
        return new DirectAddress(host, port);
    }

    /** Why {@code text} is not a direct address, or {@code null} when it is one. */
    public static String problem(String text) {
        try {
            parse(text);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public String toString() {
        return toText(host, port);
    }

    private static String toText(String host, int port) {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == 0 ? h : h + ":" + port;
    }

    /** 1..65535 in decimal without sign or leading zeros; 0 for anything else. */
    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || text.charAt(0) == '0') {
            return 0;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 65535 ? value : 0;
    }

    private static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "direct address has no host";
        }
        if (host.indexOf(':') >= 0) {
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    return "'" + host + "' is not an IPv6 address";
                }
            }
            try {
                Inet6Address.ofLiteral(host);
            } catch (IllegalArgumentException e) {
                return "'" + host + "' is not an IPv6 address";
            }
            return null;
        }
        boolean numeric = true;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                numeric = false;
                break;
            }
        }
        if (numeric) {
            return ipv4(host) ? null : "'" + host + "' is not an IPv4 address (four numbers 0..255, no leading zeros)";
        }
        if (host.length() > MAX_NAME_CHARS) {
            return "host name longer than " + MAX_NAME_CHARS + " characters";
        }
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > MAX_LABEL_CHARS || label.startsWith("-") || label.endsWith("-")) {
                return "'" + host + "' is not a host name (dot-separated labels of 1.." + MAX_LABEL_CHARS
                        + " letters, digits or inner hyphens)";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                    return "'" + host + "' is not a host name (letters, digits, hyphens and dots only)";
                }
            }
        }
        return null;
    }

    private static boolean ipv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
