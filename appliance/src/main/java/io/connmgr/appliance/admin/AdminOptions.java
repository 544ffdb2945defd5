package io.connmgr.appliance.admin;

import java.time.Duration;
import java.util.Objects;

/**
 * How the admin API listens and whom it lets in.
 *
 * @param bindAddress        interface to listen on, e.g. "127.0.0.1" or "0.0.0.0"
 * @param port               TCP port; 0 picks a free one (tests)
 * @param adminToken         bearer token required under /v1
 * @param maxRequestBytes    largest request body accepted; larger ones are answered 413
 * @param metricsRequireAuth whether /metrics also needs the bearer token (scrapers usually have none)
 * @param requestTimeout     how long a client may take to send a complete request after connecting or after the
 *                           previous response; slow or silent clients are disconnected after it
 */
public record AdminOptions(String bindAddress, int port, String adminToken, int maxRequestBytes,
                           boolean metricsRequireAuth, Duration requestTimeout) {

    public static final int DEFAULT_PORT = 7790;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Downlink message and RPC bodies may be as large as the device link's largest frame (16 MiB - 1). */
    public static final int MAX_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    public AdminOptions {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("admin port must be 0..65535, was " + port);
        }
        if (adminToken == null || adminToken.isBlank()) {
            throw new IllegalArgumentException("admin token must not be empty");
        }
        if (maxRequestBytes < 1 || maxRequestBytes > MAX_MAX_REQUEST_BYTES) {
            throw new IllegalArgumentException(
                    "admin maxRequestBytes must be 1.." + MAX_MAX_REQUEST_BYTES + ", was " + maxRequestBytes);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("admin requestTimeout must be positive, was " + requestTimeout);
        }
    }

    /** Options with /metrics open and the default request timeout. */
    public AdminOptions(String bindAddress, int port, String adminToken, int maxRequestBytes) {
        this(bindAddress, port, adminToken, maxRequestBytes, false, DEFAULT_REQUEST_TIMEOUT);
    }

    public AdminOptions withMetricsRequireAuth(boolean required) {
        return new AdminOptions(bindAddress, port, adminToken, maxRequestBytes, required, requestTimeout);
    }

    public AdminOptions withRequestTimeout(Duration timeout) {
        return new AdminOptions(bindAddress, port, adminToken, maxRequestBytes, metricsRequireAuth, timeout);
    }

    /** The token stays out of logs: a record's generated toString would print it. */
    @Override
    public String toString() {
        return "AdminOptions[bindAddress=" + bindAddress + ", port=" + port + ", adminToken=<redacted>"
                + ", maxRequestBytes=" + maxRequestBytes + ", metricsRequireAuth=" + metricsRequireAuth
                + ", requestTimeout=" + requestTimeout + "]";
    }
}
