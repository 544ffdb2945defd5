package io.connmgr.appliance.proxy;

import io.connmgr.appliance.stream.OpenFailure;

import java.nio.charset.StandardCharsets;

/**
 * The answers of both proxy protocols, pre-encoded: once a request is handed to a stream the codecs are gone, and
 * the answer must be the first bytes the back-end sees.
 */
final class ProxyFailures {
    /** RFC 1928 reply codes. */
    static final int SOCKS_GENERAL_FAILURE = 0x01;
    static final int SOCKS_NOT_ALLOWED = 0x02;
    static final int SOCKS_HOST_UNREACHABLE = 0x04;
    static final int SOCKS_CONNECTION_REFUSED = 0x05;
    static final int SOCKS_COMMAND_NOT_SUPPORTED = 0x07;
    static final int SOCKS_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

    private ProxyFailures() {
    }

    static int socksCode(OpenFailure f) {
        return switch (f) {
            case UNKNOWN_DEVICE, DEVICE_OFFLINE, UNREACHABLE -> SOCKS_HOST_UNREACHABLE;
            case NOT_EXPOSED -> SOCKS_NOT_ALLOWED;
            case REFUSED -> SOCKS_CONNECTION_REFUSED;
            case TOO_MANY_STREAMS, NOT_SUPPORTED, FAILED -> SOCKS_GENERAL_FAILURE;
        };
    }

    /** A SOCKS5 CONNECT reply with the bound address 0.0.0.0:0 (the stream has no address of its own). */
    static byte[] socksReply(int code) {
        return new byte[]{0x05, (byte) code, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
    }

    static int httpStatus(OpenFailure f) {
        return switch (f) {
            case UNKNOWN_DEVICE -> 404;
            case DEVICE_OFFLINE, UNREACHABLE -> 504;
            case NOT_EXPOSED -> 403;
            case REFUSED, NOT_SUPPORTED, FAILED -> 502;
            case TOO_MANY_STREAMS -> 503;
        };
    }

    static String message(OpenFailure f) {
        return switch (f) {
            case UNKNOWN_DEVICE -> "no such device";
            case DEVICE_OFFLINE -> "the device did not connect in time";
            case NOT_EXPOSED -> "the device does not expose that port";
            case REFUSED -> "the service on the device refused the connection";
            case UNREACHABLE -> "the service on the device did not answer in time";
            case TOO_MANY_STREAMS -> "too many concurrent streams to this device";
            case NOT_SUPPORTED -> "the device cannot carry streams";
            case FAILED -> "the stream failed";
        };
    }

    static byte[] httpSuccess() {
        return "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    /** An HTTP error with a JSON body {"error":..., "message":...}; the connection closes after it. */
    static byte[] httpError(int status, String reason, String error, String message, String... extraHeaders) {
        String body = "{\"error\":\"" + error + "\",\"message\":\"" + message.replace("\"", "'") + "\"}";
        StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                .append("Connection: close\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").append(body).toString().getBytes(StandardCharsets.UTF_8);
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 414 -> "URI Too Long";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    static byte[] httpFailure(OpenFailure f) {
        int status = httpStatus(f);
        return httpError(status, reason(status), f.tag(), message(f));
    }
}
