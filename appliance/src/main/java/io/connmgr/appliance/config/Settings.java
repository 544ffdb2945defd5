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
                    "Connections allowed between accept and WELCOME; beyond it new ones get REJECT(OVERLOADED)."),
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
            // Request deadlines of the back-end listeners: a client that sends its request slowly, or never finishes
            // it, is answered with the protocol's error and closed when its time is up (slowloris).
            s("proxy-request-timeout", DURATION, "10s", 100, 300_000,
                    "Time a back-end has to complete its proxy request: SOCKS5 greeting, credentials and CONNECT, or "
                            + "the HTTP CONNECT head."),
            s("admin-request-timeout", DURATION, "30s", 100, 3_600_000,
                    "Time an admin API client has to send a complete request, from connecting or from the previous "
                            + "response."));

    public static final List<Setting> ALL = java.util.stream.Stream.of(CORE, MessagingConfig.SETTINGS)
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
