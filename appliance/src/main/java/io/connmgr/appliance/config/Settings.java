package io.connmgr.appliance.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.connmgr.appliance.config.Setting.Kind.*;

/** Every configuration key of the appliance with its default and bounds. */
public final class Settings {
    private static final double DAY_MS = 86_400_000d;
    private static final double NONE = Double.MAX_VALUE;

    private static final List<Setting> CORE = List.of(
            s("data-dir", STRING, "./data", "Directory for the store, fleet.key and admin.token."),
            s("bind-address", STRING, "0.0.0.0", "Address the device listener binds to."),
            s("device-port", INT, "7700", 0, 65535, "TCP port devices connect to."),
            s("admin-bind-address", STRING, "0.0.0.0", "Address the admin HTTP API binds to."),
            s("admin-port", INT, "7790", 0, 65535, "Port of the admin HTTP API."),
            s("control-bind-address", STRING, "0.0.0.0", "Address the back-end control channel binds to."),
            s("control-port", INT, "7781", -1, 65535,
                    "Port of the back-end control channel (docs/protocol.md section 14); -1 = disabled."),
            s("io-threads", INT, "0", 0, 1024, "Event-loop threads for device connections; 0 = one per core."),
            s("handshake-timeout", DURATION, "5s", 100, 300_000, "Time a new connection has to send HELLO."),
            s("max-frame-size", SIZE, "1MiB", 64, 0xFF_FFFF, "Largest frame payload accepted from a device."),
            s("max-pending-handshakes", INT, "10000", 1, 10_000_000,
                    "Connections allowed between accept and WELCOME; beyond it new ones get GOAWAY(OVERLOADED)."),
            // Admission control (reconnect storms): docs/configuration.md "Admission control".
            s("admission-rate", INT, "0", 0, 10_000_000,
                    "New handshakes admitted per second; beyond it a HELLO gets GOAWAY(OVERLOADED) with a "
                            + "reconnect-after; 0 = sized for the box (1000 per core)."),
            s("admission-burst", INT, "0", 0, 10_000_000,
                    "Handshakes admitted at once on top of the rate; 0 = one second of the rate."),
            s("admission-defer-max", DURATION, "60s", 1000, DAY_MS,
                    "Longest reconnect-after given to a deferred device; the window grows with the backlog up to it."),
            s("admission-accept-pause", BOOL, "false",
                    "Stop accepting while max-pending-handshakes are pending (until half are done): the kernel's "
                            + "backlog holds the excess instead of the heap."),
            s("idle-after", DURATION, "30s", 0, 365 * DAY_MS,
                    "Time without application data before ACTIVE becomes IDLE; 0 = never."),
            s("sleep-after", DURATION, "5m", 0, 365 * DAY_MS,
                    "Time without application data before the connection sleeps; 0 = never."),
            s("keep-alive", DURATION, "60s", 1000, DAY_MS, "Keep-alive interval given to devices in WELCOME."),
            s("keep-alive-min", DURATION, "5s", 1000, DAY_MS, "Shortest keep-alive interval a device may ask for."),
            s("keep-alive-max", DURATION, "30m", 1000, DAY_MS, "Longest keep-alive interval a device may ask for."),
            s("silent-keepalives", INT, "3", 1, 100,
                    "A device silent for this many keep-alive intervals is closed."),
            s("session-expiry", DURATION, "24h", 1000, 3650 * DAY_MS,
                    "How long a disconnected device's session is kept for it to resume."),
            s("tcp-keepalive-idle", DURATION, "2m", 1000, DAY_MS,
                    "TCP_KEEPIDLE: kernel keep-alive probes start after this much silence."),
            s("tcp-keepalive-interval", DURATION, "30s", 1000, DAY_MS, "TCP_KEEPINTVL: time between kernel probes."),
            s("tcp-keepalive-count", INT, "4", 1, 127, "TCP_KEEPCNT: unanswered probes before the kernel drops."),
            s("tcp-user-timeout", DURATION, "5m", 0, DAY_MS,
                    "TCP_USER_TIMEOUT: unacknowledged data older than this drops the connection; 0 = kernel default."),
            s("sweep-interval", DURATION, "1s", 10, 60_000, "How often tier timers are checked."),
            s("sleep-enabled", BOOL, "true", "Park sleeping sockets in the sleep table (Linux epoll only)."),
            s("sleep-max-entries", INT, "16000000", 1, 1_000_000_000, "Capacity limit of the sleep table."),
            s("pressure-check-interval", DURATION, "5s", 100, 3_600_000, "How often the performance monitor runs."),
            s("pressure-heap-percent", INT, "80", 1, 100,
                    "Heap use (after the last GC) above which the longest-quiet connections are put to sleep."),
            s("pressure-max-awake", INT, "500000", 1, 1_000_000_000,
                    "Active plus idle connections above which the longest-quiet are put to sleep."),
            s("session-cache-size", INT, "0", 0, 100_000_000,
                    "Sessions of sleeping or disconnected devices also kept in memory in front of the store; 0 = none, "
                            + "so a sleeping connection holds nothing on the heap but its sleep-table slot."),
            s("store-cache-size", SIZE, "32MiB", 1024 * 1024, 64L * 1024 * 1024 * 1024, "RocksDB block cache."),
            s("store-recover", CHOICE, "fail",
                    "What to do with a corrupt store: [fail|move-aside]; move-aside renames it and starts empty."),
            s("drain-deadline", DURATION, "30s", 0, 3_600_000, "Longest time the shutdown drain may take."),
            s("eviction-rate", INT, "5000", 1, 10_000_000, "GOAWAYs per second sent during a drain."),
            s("reconnect-after-min", DURATION, "1s", 0, DAY_MS, "Lower bound of the reconnect-after hint in GOAWAY."),
            s("reconnect-after-max", DURATION, "60s", 0, DAY_MS,
                    "Upper bound of the jittered reconnect-after hint in GOAWAY."),
            s("proxy-enabled", BOOL, "true", "Run the back-end proxy listener (SOCKS5 and HTTP CONNECT)."),
            s("proxy-bind-address", STRING, "0.0.0.0", "Address the back-end proxy listener binds to."),
            s("proxy-port", INT, "7780", 0, 65535, "Port of the back-end proxy listener (SOCKS5 and HTTP CONNECT)."),
            s("proxy-trusted-sources", STRING, "127.0.0.0/8,::1",
                    "Back-ends connecting from these networks (CIDR, comma-separated) may use the proxy without "
                            + "credentials; empty = credentials always required."),
            s("connect-wait", DURATION, "10s", 0, 3_600_000,
                    "How long a proxy request waits for an offline device to connect, and for a stream to open."),
            s("stream-window", SIZE, "256KiB", 1024, Integer.MAX_VALUE,
                    "Flow-control window of each stream: bytes a side may send before the receiver grants more."),
            s("max-streams-per-device", INT, "256", 1, 1_000_000,
                    "Concurrent streams per device; beyond it opens fail with TOO_MANY_STREAMS."),
            s("data-connections", BOOL, "true",
                    "Offer DATA_CONNECTIONS: devices that announce it get a dedicated TCP connection per stream."),
            s("data-connection-splice", BOOL, "true",
                    "Relay data connections with splice(2) (epoll): the bytes stay in the kernel; false = copy them."),
            s("services", STRING, "",
                    "Back-end services devices may open links to: name=host:port, comma-separated."),
            // PROXY protocol (docs/configuration.md "PROXY protocol"): off until a balancer is trusted.
            s("proxy-protocol-trusted", STRING, "",
                    "Load balancers (CIDR, comma-separated) whose connections must start with a PROXY protocol v1 "
                            + "or v2 header naming the real client, on every listener without its own list; "
                            + "empty = off."),
            s("proxy-protocol-trusted-device", STRING, "",
                    "The same for the device listener only; empty = proxy-protocol-trusted, none = off here."),
            s("proxy-protocol-trusted-proxy", STRING, "",
                    "The same for the back-end proxy listener only; empty = proxy-protocol-trusted, none = off here."),
            s("proxy-protocol-trusted-control", STRING, "",
                    "The same for the back-end control channel only; empty = proxy-protocol-trusted, "
                            + "none = off here."),
            // Request deadlines of the back-end listeners: a client that sends its request slowly, or never finishes
            // it, is answered with the protocol's error and closed when its time is up (slowloris).
            s("proxy-request-timeout", DURATION, "10s", 100, 300_000,
                    "Time a back-end has to complete its proxy request: SOCKS5 greeting, credentials and CONNECT, or "
                            + "the HTTP CONNECT head."),
            s("admin-request-timeout", DURATION, "30s", 100, 3_600_000,
                    "Time an admin API client has to send a complete request, from connecting or from the previous "
                            + "response."));

    // ---- TLS: one certificate and key for every listener; each listener turns TLS on by itself (docs/security.md).
    private static final List<Setting> TLS = List.of(
            s("tls-cert", STRING, "", "PEM file with the appliance's certificate chain (leaf first); needed by any "
                    + "TLS listener. Re-read on SIGHUP and POST /v1/admin/tls/reload."),
            s("tls-key", STRING, "", "PEM file with the private key of tls-cert, unencrypted PKCS#8."),
            s("tls-ca", STRING, "", "PEM file with the CA certificates device client certificates must chain to; "
                    + "needed when device-tls-client-auth is not none."),
            s("tls-provider", CHOICE, "auto", "TLS implementation: [auto|openssl|jdk]; auto = OpenSSL (BoringSSL) "
                    + "where it loads, else the JDK's."),
            s("tls-session-cache-size", INT, "20480", 0, 10_000_000,
                    "TLS sessions kept for resumption by session id; 0 = the provider's default."),
            s("tls-session-timeout", DURATION, "24h", 1000, 7 * DAY_MS,
                    "How long a TLS session (or session ticket) may be resumed."),
            s("device-tls-port", INT, "-1", -1, 65535,
                    "Port of the device listener over TLS (bind-address, same protocol inside); -1 = none."),
            s("device-tls-client-auth", CHOICE, "none", "Client certificates on device-tls-port: "
                    + "[none|optional|require]; a certificate's identity must equal the HELLO's device id."),
            s("device-tls-identity", CHOICE, "cn", "Where the device id is in a client certificate: "
                    + "[cn|dns-san|uri-san]; uri-san takes the first URI SAN starting with device-tls-uri-prefix."),
            s("device-tls-uri-prefix", STRING, "", "Prefix removed from a URI SAN to give the device id "
                    + "(device-tls-identity uri-san), e.g. urn:device:."),
            s("proxy-tls", BOOL, "false", "The back-end proxy listener speaks TLS only (SOCKS5/CONNECT inside)."),
            s("control-tls", BOOL, "false", "The back-end control channel speaks TLS only."),
            s("admin-tls", BOOL, "false", "The admin HTTP API speaks HTTPS only."));

    // ---- Backpressure and caps: appliance-wide limits that keep memory bounded under overload (BackpressureConfig).
    static final List<Setting> BACKPRESSURE = List.of(
            s("max-streams", INT, "20000", 1, 10_000_000,
                    "Concurrent streams in the whole appliance; beyond it opens fail with TOO_MANY_STREAMS "
                            + "(SOCKS5 0x01, HTTP 503, control channel TOO_MANY_STREAMS)."),
            s("message-queue-max-total", INT, "1000000", 1, 1_000_000_000,
                    "Queued downlink messages in the whole appliance; beyond it POST .../messages answers 507."),
            s("message-store-pending-max", INT, "4096", 1, 1_000_000,
                    "Downlink messages accepted but not yet stored (held in memory for the next fsync); beyond it "
                            + "POST .../messages answers 503."),
            s("write-buffer-high", SIZE, "64KiB", 1024, 64 * 1024 * 1024,
                    "Bytes queued for one connection (device, proxy, admin) above which it is unwritable and "
                            + "whatever feeds it stops reading."),
            s("write-buffer-low", SIZE, "32KiB", 512, 64 * 1024 * 1024,
                    "Bytes queued for one connection below which it is writable again; at most write-buffer-high."));

    public static final List<Setting> ALL = java.util.stream.Stream.of(CORE, MessagingConfig.SETTINGS,
                    AuthConfig.SETTINGS /* credentials: failure limits */, TLS, BACKPRESSURE)
            .flatMap(List::stream).toList();

    public static final Map<String, Setting> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Setting::name, Function.identity()));

    private static Setting s(String name, Setting.Kind kind, String dflt, String description) {
        return new Setting(name, kind, dflt, -NONE, NONE, description);
    }

    private static Setting s(String name, Setting.Kind kind, String dflt, double min, double max, String description) {
        return new Setting(name, kind, dflt, min, max, description);
    }

    private Settings() {
    }
}
