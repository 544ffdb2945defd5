package io.connmgr.appliance.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The appliance's configuration, validated. Built only by {@link ConfigLoader}. */
public record ApplianceConfig(
        Path dataDir,
        String bindAddress,
        int devicePort,
        String adminBindAddress,
        int adminPort,
        int ioThreads,
        Duration handshakeTimeout,
        int maxFrameSize,
        int maxPendingHandshakes,
        Duration idleAfter,
        Duration sleepAfter,
        Duration keepAlive,
        Duration keepAliveMin,
        Duration keepAliveMax,
        int silentKeepAlives,
        Duration sessionExpiry,
        Duration tcpKeepAliveIdle,
        Duration tcpKeepAliveInterval,
        int tcpKeepAliveCount,
        Duration tcpUserTimeout,
        Duration sweepInterval,
        boolean sleepEnabled,
        int sleepMaxEntries,
        Duration pressureCheckInterval,
        int pressureHeapPercent,
        int pressureMaxAwake,
        int sessionCacheSize,
        long storeCacheSize,
        boolean storeMoveAsideIfCorrupt,
        Duration drainDeadline,
        int evictionRate,
        Duration reconnectAfterMin,
        Duration reconnectAfterMax,
        boolean proxyEnabled,
        String proxyBindAddress,
        int proxyPort,
        SourceNetworks proxyTrustedSources,
        Duration connectWait,
        int streamWindow,
        int maxStreamsPerDevice,
        boolean dataConnections,
        boolean dataConnectionSplice,
        Map<String, String> services,
        String controlBindAddress,
        int controlPort,
        MessagingConfig messaging,
        Duration proxyRequestTimeout,
        Duration adminRequestTimeout) {

    static ApplianceConfig from(Map<String, Object> v) {
        return new ApplianceConfig(
                Path.of((String) v.get("data-dir")),
                (String) v.get("bind-address"),
                i(v, "device-port"),
                (String) v.get("admin-bind-address"),
                i(v, "admin-port"),
                i(v, "io-threads"),
                d(v, "handshake-timeout"),
                i(v, "max-frame-size"),
                i(v, "max-pending-handshakes"),
                d(v, "idle-after"),
                d(v, "sleep-after"),
                d(v, "keep-alive"),
                d(v, "keep-alive-min"),
                d(v, "keep-alive-max"),
                i(v, "silent-keepalives"),
                d(v, "session-expiry"),
                d(v, "tcp-keepalive-idle"),
                d(v, "tcp-keepalive-interval"),
                i(v, "tcp-keepalive-count"),
                d(v, "tcp-user-timeout"),
                d(v, "sweep-interval"),
                (Boolean) v.get("sleep-enabled"),
                i(v, "sleep-max-entries"),
                d(v, "pressure-check-interval"),
                i(v, "pressure-heap-percent"),
                i(v, "pressure-max-awake"),
                i(v, "session-cache-size"),
                (Long) v.get("store-cache-size"),
                "move-aside".equals(v.get("store-recover")),
                d(v, "drain-deadline"),
                i(v, "eviction-rate"),
                d(v, "reconnect-after-min"),
                d(v, "reconnect-after-max"),
                (Boolean) v.get("proxy-enabled"),
                (String) v.get("proxy-bind-address"),
                i(v, "proxy-port"),
                SourceNetworks.parse((String) v.get("proxy-trusted-sources")),
                d(v, "connect-wait"),
                i(v, "stream-window"),
                i(v, "max-streams-per-device"),
                (Boolean) v.get("data-connections"),
                (Boolean) v.get("data-connection-splice"),
                ServiceList.parse((String) v.get("services")),
                (String) v.get("control-bind-address"),
                i(v, "control-port"),
                MessagingConfig.from(v),
                d(v, "proxy-request-timeout"),
                d(v, "admin-request-timeout"));
    }

    private static int i(Map<String, Object> v, String key) {
        return Math.toIntExact((Long) v.get(key));
    }

    private static Duration d(Map<String, Object> v, String key) {
        return (Duration) v.get(key);
    }
}
