package io.connmgr.agent.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The agent's validated settings; built by {@link AgentConfigLoader}, so every instance is usable as is.
 *
 * @param appliance        where to connect
 * @param deviceId         who this device is
 * @param token            the device token; never printed
 * @param keepAlive        interval to ask for; zero lets the appliance choose
 * @param backoffInitial   first reconnect window
 * @param backoffCap       largest reconnect window
 * @param handshakeTimeout how long to wait for WELCOME
 * @param logLevel         logback level name, upper case
 */
public record AgentConfig(HostPort appliance, String deviceId, String token, Duration keepAlive,
                          Duration backoffInitial, Duration backoffCap, Duration handshakeTimeout, String logLevel) {

    public static final Duration DEFAULT_KEEPALIVE = Duration.ZERO;
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_BACKOFF_CAP = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_LOG_LEVEL = "INFO";

    public AgentConfig {
        Objects.requireNonNull(appliance, "appliance");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffCap, "backoffCap");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(logLevel, "logLevel");
    }

    /** Leaves the token out: configs end up in logs and bug reports. */
    @Override
    public String toString() {
        return "AgentConfig[appliance=%s, deviceId=%s, token=<%d chars>, keepAlive=%s, backoff=%s..%s, handshakeTimeout=%s, logLevel=%s]"
                .formatted(appliance, deviceId, token.length(), Durations.format(keepAlive),
                        Durations.format(backoffInitial), Durations.format(backoffCap),
                        Durations.format(handshakeTimeout), logLevel);
    }
}
