package io.connmgr.agent.config;

import io.connmgr.agent.control.OutboundProxy;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.wire.Wire;

import java.net.URI;
import java.time.Duration;
import java.util.List;
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
 * @param features         streams, links, connect requests, RPC and the outbound proxy
 * @param onDemand         on-demand operation and the direct address announced in HELLO
 */
public record AgentConfig(HostPort appliance, String deviceId, String token, Duration keepAlive,
                          Duration backoffInitial, Duration backoffCap, Duration handshakeTimeout, String logLevel,
                          Features features, OnDemand onDemand, Tls tls) {

    /**
     * TLS to the appliance.
     *
     * @param enabled    speak TLS on the device link and data connections
     * @param ca         PEM CA certificates to trust, or {@code null} for the JDK's trust store
     * @param cert       PEM client certificate, or {@code null}
     * @param key        its PEM PKCS#8 key, or {@code null}
     * @param verifyHost the appliance's host name must be in its certificate
     */
    public record Tls(boolean enabled, java.nio.file.Path ca, java.nio.file.Path cert, java.nio.file.Path key,
                      boolean verifyHost) {
        public static final Tls OFF = new Tls(false, null, null, null, true);
    }

    /** A config without TLS. */
    public AgentConfig(HostPort appliance, String deviceId, String token, Duration keepAlive, Duration backoffInitial,
                       Duration backoffCap, Duration handshakeTimeout, String logLevel, Features features,
                       OnDemand onDemand) {
        this(appliance, deviceId, token, keepAlive, backoffInitial, backoffCap, handshakeTimeout, logLevel, features,
                onDemand, Tls.OFF);
    }

    public static final Duration DEFAULT_KEEPALIVE = Duration.ZERO;
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_BACKOFF_CAP = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_LOG_LEVEL = "INFO";
    public static final int DEFAULT_MAX_STREAMS = 256;
    public static final Duration DEFAULT_LOCAL_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(10);

    /**
     * What the agent offers besides the control connection.
     *
     * @param expose              ports back-ends may open streams to (and connect requests are passed on for)
     * @param streamMode          how appliance-opened streams travel
     * @param streamWindow        flow-control window per stream, bytes
     * @param maxStreams          concurrent streams
     * @param localConnectTimeout wait for a local service this long
     * @param links               device-initiated links
     * @param onConnectRequestExec command run on a connect request; empty for none
     * @param onConnectRequestUrl URL posted to on a connect request, or {@code null}
     * @param rpcExec             command answering RPCs; empty for none
     * @param execTimeout         longest run of those commands and URL calls
     * @param via                 outbound proxy, or {@code null}
     * @param dataConnectionSplice join data connections with splice(2) where the transport allows
     */
    public record Features(List<Exposure> expose, StreamMode streamMode, int streamWindow, int maxStreams,
                           Duration localConnectTimeout, List<LocalLink> links, List<String> onConnectRequestExec,
                           URI onConnectRequestUrl, List<String> rpcExec, Duration execTimeout, OutboundProxy via,
                           boolean dataConnectionSplice) {
        public static final Features NONE = new Features(List.of(), StreamMode.MULTIPLEXED, Wire.DEFAULT_STREAM_WINDOW,
                DEFAULT_MAX_STREAMS, DEFAULT_LOCAL_CONNECT_TIMEOUT, List.of(), List.of(), null, List.of(),
                DEFAULT_EXEC_TIMEOUT, null, true);

        public Features {
            expose = List.copyOf(expose);
            links = List.copyOf(links);
            onConnectRequestExec = List.copyOf(onConnectRequestExec);
            rpcExec = List.copyOf(rpcExec);
            Objects.requireNonNull(streamMode, "streamMode");
            Objects.requireNonNull(localConnectTimeout, "localConnectTimeout");
            Objects.requireNonNull(execTimeout, "execTimeout");
        }
    }

    /**
     * On-demand operation (docs/protocol.md section 6.11).
     *
     * @param enabled           connect when there is business, disconnect after the quiet period
     * @param quietPeriod       disconnect after this long without messages, commands, streams or RPCs
     * @param reconnectInterval connect again after this long even with nothing to send
     * @param directAddress     {@code HOST[:PORT]} announced in HELLO, or {@code null}
     */
    public record OnDemand(boolean enabled, Duration quietPeriod, Duration reconnectInterval, String directAddress) {
        public static final Duration DEFAULT_QUIET = Duration.ofSeconds(30);
        public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(15);
        public static final OnDemand OFF = new OnDemand(false, DEFAULT_QUIET, DEFAULT_INTERVAL, null);

        public OnDemand {
            Objects.requireNonNull(quietPeriod, "quietPeriod");
            Objects.requireNonNull(reconnectInterval, "reconnectInterval");
        }
    }

    /** A config that is persistently connected and announces no direct address. */
    public AgentConfig(HostPort appliance, String deviceId, String token, Duration keepAlive, Duration backoffInitial,
                       Duration backoffCap, Duration handshakeTimeout, String logLevel, Features features) {
        this(appliance, deviceId, token, keepAlive, backoffInitial, backoffCap, handshakeTimeout, logLevel, features,
                OnDemand.OFF);
    }

    /** A config with no features beyond the control connection. */
    public AgentConfig(HostPort appliance, String deviceId, String token, Duration keepAlive, Duration backoffInitial,
                       Duration backoffCap, Duration handshakeTimeout, String logLevel) {
        this(appliance, deviceId, token, keepAlive, backoffInitial, backoffCap, handshakeTimeout, logLevel,
                Features.NONE);
    }

    public AgentConfig {
        Objects.requireNonNull(appliance, "appliance");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffCap, "backoffCap");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(onDemand, "onDemand");
        Objects.requireNonNull(tls, "tls");
    }

    /** Leaves the token out: configs end up in logs and bug reports. */
    @Override
    public String toString() {
        return "AgentConfig[appliance=%s, deviceId=%s, token=<%d chars>, keepAlive=%s, backoff=%s..%s, handshakeTimeout=%s, logLevel=%s, %s, %s, %s]"
                .formatted(appliance, deviceId, token.length(), Durations.format(keepAlive),
                        Durations.format(backoffInitial), Durations.format(backoffCap),
                        Durations.format(handshakeTimeout), logLevel, features, onDemand, tls);
    }
}
