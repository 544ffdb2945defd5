package io.connmgr.agent.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Every setting of the agent. The YAML key and the command-line flag have the same name ({@code backoff-cap} and
 * {@code --backoff-cap}), so documentation, errors and both sources speak one vocabulary.
 */
public enum ConfigKey {
    APPLIANCE("appliance", "HOST:PORT", "device-link address of the appliance (required)"),
    DEVICE_ID("device-id", "ID", "this device's id (required)"),
    TOKEN("token", "TOKEN", "the device token; token-file keeps it out of the process list"),
    TOKEN_FILE("token-file", "PATH", "file whose content (trailing newline removed) is the device token"),
    KEEPALIVE("keepalive", "DURATION", "keep-alive interval to ask for, whole seconds; 0 lets the appliance choose"
            + " (default 0)"),
    BACKOFF_INITIAL("backoff-initial", "DURATION", "first reconnect window (default 1s)"),
    BACKOFF_CAP("backoff-cap", "DURATION", "largest reconnect window (default 60s)"),
    HANDSHAKE_TIMEOUT("handshake-timeout", "DURATION", "wait this long for WELCOME after connecting (default 10s)"),
    LOG_LEVEL("log-level", "LEVEL", "ERROR, WARN, INFO, DEBUG or TRACE (default INFO)"),
    EXPOSE("expose", "PORT[=HOST:PORT]", true, "let back-ends open streams to PORT, relayed to HOST:PORT"
            + " (default 127.0.0.1:PORT); repeatable, a list in YAML; also the ports connect requests are passed on for"),
    STREAM_MODE("stream-mode", "MODE", "multiplexed (default: streams travel on the device connection) or"
            + " data-connection (one new connection to the appliance per stream)"),
    STREAM_WINDOW("stream-window", "BYTES", "flow-control window per stream, e.g. 65536, 256k, 1m (default 256k)"),
    MAX_STREAMS("max-streams", "N", "concurrent streams; more are refused with TOO_MANY_STREAMS (default 256)"),
    DATA_CONNECTION_SPLICE("data-connection-splice", "BOOL", "true (default): join a data connection and its local"
            + " connection with splice(2) on epoll, the bytes stay in the kernel; false: copy them"),
    LOCAL_CONNECT_TIMEOUT("local-connect-timeout", "DURATION", "wait this long for a local service to accept,"
            + " then answer UNREACHABLE (default 5s)"),
    LINK("link", "HOST:PORT=SERVICE", true, "listen on HOST:PORT; each local connection becomes a stream to the"
            + " back-end SERVICE; repeatable, a list in YAML"),
    ON_CONNECT_REQUEST_EXEC("on-connect-request-exec", "CMD", "on a connect request, run CMD (split on spaces, no"
            + " shell) with CM_APPLIANCE_HOST, CM_APPLIANCE_PORT, CM_STREAM_TOKEN, CM_PORT, CM_ORIGIN, CM_REQUEST_ID"),
    ON_CONNECT_REQUEST_URL("on-connect-request-url", "URL", "on a connect request, POST the same parameters as"
            + " JSON to this local http:// URL"),
    RPC_EXEC("rpc-exec", "CMD", "answer RPCs by running CMD (split on spaces, no shell) with the body on stdin and"
            + " CM_RPC_METHOD; stdout is the reply, exit 0 OK, 3 no handler, other ERROR"),
    EXEC_TIMEOUT("exec-timeout", "DURATION", "longest run of a command or URL call above (default 10s)"),
    VIA("via", "URL", "reach the appliance through a proxy: http://[user:pass@]HOST:PORT (HTTP CONNECT) or"
            + " socks5://[user:pass@]HOST:PORT"),
    ON_DEMAND("on-demand", "true|false", false, true, "run on demand: disconnect after on-demand-quiet without"
            + " business, connect again after on-demand-interval; stays connected while the appliance asks it to"
            + " (default false; the flag alone means true)"),
    ON_DEMAND_QUIET("on-demand-quiet", "DURATION", "with on-demand: disconnect after this long without messages,"
            + " streams or RPCs (default 30s)"),
    ON_DEMAND_INTERVAL("on-demand-interval", "DURATION", "with on-demand: connect again after this long even with"
            + " nothing to send (default 15m)"),
    DIRECT_ADDRESS("direct-address", "HOST[:PORT]", "announce where servers can reach this device directly;"
            + " HOST alone offers every exposed port, [IPV6] in brackets"),
    TLS("tls", "true|false", false, true, "speak TLS to the appliance's TLS device port (device-tls-port);"
            + " implied by tls-ca, tls-cert (default false; the flag alone means true)"),
    TLS_CA("tls-ca", "PATH", "PEM CA certificates the appliance's certificate must chain to (default: the JDK's"
            + " trust store)"),
    TLS_CERT("tls-cert", "PATH", "PEM client certificate naming this device (mutual TLS); the token may then be"
            + " left out"),
    TLS_KEY("tls-key", "PATH", "PEM PKCS#8 private key of tls-cert"),
    TLS_VERIFY_HOST("tls-verify-host", "true|false", "the appliance's host name (or IP) must be in its certificate"
            + " (default true)");

    private final String key;
    private final String paramLabel;
    private final boolean repeatable;
    private final boolean optionalValue;
    private final String description;

    ConfigKey(String key, String paramLabel, String description) {
        this(key, paramLabel, false, false, description);
    }

    ConfigKey(String key, String paramLabel, boolean repeatable, String description) {
        this(key, paramLabel, repeatable, false, description);
    }

    ConfigKey(String key, String paramLabel, boolean repeatable, boolean optionalValue, String description) {
        this.key = key;
        this.paramLabel = paramLabel;
        this.repeatable = repeatable;
        this.optionalValue = optionalValue;
        this.description = description;
    }

    /** A switch: the flag may stand alone, meaning {@code true}. */
    public boolean optionalValue() {
        return optionalValue;
    }

    /** Given any number of times on the command line, or as a YAML list; the flags replace the file's list. */
    public boolean repeatable() {
        return repeatable;
    }

    /** Name in the YAML file. */
    public String key() {
        return key;
    }

    /** The command-line flag that overrides the file. */
    public String flag() {
        return "--" + key;
    }

    public String paramLabel() {
        return paramLabel;
    }

    public String description() {
        return description;
    }

    /** The key with that YAML name, or {@code null}. */
    public static ConfigKey fromKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        return null;
    }

    static String knownKeys() {
        return Arrays.stream(values()).map(ConfigKey::key).collect(Collectors.joining(", "));
    }
}
