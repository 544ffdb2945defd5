package io.connmgr.agent.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.OutboundProxy;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.codec.DeviceIds;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.wire.Wire;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the YAML file and the command-line flags into an {@link AgentConfig}. Flags override the file. Every value is
 * checked and every problem is reported at once, each naming its key and where the value came from; a config with
 * any problem stops start-up instead of falling back to defaults.
 */
public final class AgentConfigLoader {
    private static final Set<String> LOG_LEVELS = Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final int MIN_STREAM_WINDOW = DeviceClient.Builder.MIN_STREAM_WINDOW;
    /** A window is a u32 on the wire; a signed int here is plenty. */
    private static final int MAX_STREAM_WINDOW = Integer.MAX_VALUE;
    private static final int MAX_STREAMS = 65_536;

    /**
     * Raw values and where they came from ({@code agent.yaml} or {@code --flag}), for error messages. One value,
     * except for {@link ConfigKey#repeatable() repeatable} keys.
     */
    public record Setting(List<String> values, String source) {
        public Setting {
            values = List.copyOf(values);
        }

        public Setting(String value, String source) {
            this(List.of(value), source);
        }

        /** The single value (the last one, if repeated). */
        public String value() {
            return values.getLast();
        }
    }

    private AgentConfigLoader() {
    }

    /** Reads the scalar settings of a YAML file; unknown keys and non-scalar values are errors. */
    public static Map<ConfigKey, Setting> readYaml(Path file) throws ConfigException {
        String source = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(List.of(source + ": not valid YAML" + where + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e));
        }
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return settings; // an empty file is a file with no settings
        }
        if (!root.isObject()) {
            throw new ConfigException(List.of(source + ": expected a mapping of key: value at the top level"));
        }
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            ConfigKey key = ConfigKey.fromKey(field.getKey());
            JsonNode value = field.getValue();
            if (key == null) {
                problems.add(field.getKey() + ": unknown key in " + source + " (known: " + ConfigKey.knownKeys() + ")");
            } else if (value.isNull()) {
                problems.add(key.key() + ": no value in " + source);
            } else if (key.repeatable() && value.isArray()) {
                List<String> items = new ArrayList<>();
                for (JsonNode item : value) {
                    if (!item.isValueNode() || item.isNull()) {
                        problems.add(key.key() + ": expected a list of single values in " + source);
                        break;
                    }
                    items.add(item.asText());
                }
                settings.put(key, new Setting(items, source));
            } else if (!value.isValueNode()) {
                problems.add(key.key() + ": expected a single value in " + source + ", got a "
                        + value.getNodeType().name().toLowerCase(Locale.ROOT));
            } else {
                settings.put(key, new Setting(value.asText(), source));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return settings;
    }

    /** Merges (flags win), validates and builds the config. */
    public static AgentConfig resolve(Map<ConfigKey, Setting> fromFile, Map<ConfigKey, Setting> fromFlags)
            throws ConfigException {
        Map<ConfigKey, Setting> merged = new EnumMap<>(ConfigKey.class);
        merged.putAll(fromFile);
        merged.putAll(fromFlags);
        Validator v = new Validator(merged);

        HostPort appliance = v.required(ConfigKey.APPLIANCE, HostPort::parse);
        String deviceId = v.required(ConfigKey.DEVICE_ID, id -> {
            if (!DeviceIds.isValid(id)) {
                throw new IllegalArgumentException("'" + id + "' is not a device id (1.." + Wire.MAX_DEVICE_ID_BYTES
                        + " bytes, no whitespace, control characters or slashes)");
            }
            return id;
        });
        String token = token(v, merged);
        Duration keepAlive = v.optional(ConfigKey.KEEPALIVE, AgentConfigLoader::keepAlive, AgentConfig.DEFAULT_KEEPALIVE);
        Duration initial = v.optional(ConfigKey.BACKOFF_INITIAL, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.DEFAULT_BACKOFF_INITIAL);
        Duration cap = v.optional(ConfigKey.BACKOFF_CAP, text -> atLeast(Durations.parse(text), Duration.ofMillis(1)),
                AgentConfig.DEFAULT_BACKOFF_CAP);
        if (initial != null && cap != null && cap.compareTo(initial) < 0) {
            v.problem(ConfigKey.BACKOFF_CAP, Durations.format(cap) + " is below backoff-initial "
                    + Durations.format(initial));
        }
        Duration handshake = v.optional(ConfigKey.HANDSHAKE_TIMEOUT, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        String logLevel = v.optional(ConfigKey.LOG_LEVEL, text -> {
            String level = text.trim().toUpperCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                throw new IllegalArgumentException("'" + text + "' is not one of ERROR, WARN, INFO, DEBUG, TRACE");
            }
            return level;
        }, AgentConfig.DEFAULT_LOG_LEVEL);

        List<Exposure> expose = v.list(ConfigKey.EXPOSE, Exposure::parse);
        Set<Integer> ports = new HashSet<>();
        for (Exposure e : expose) {
            if (!ports.add(e.port())) {
                v.problem(ConfigKey.EXPOSE, "port " + e.port() + " is exposed more than once");
            }
        }
        StreamMode mode = v.optional(ConfigKey.STREAM_MODE, text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "multiplexed" -> StreamMode.MULTIPLEXED;
            case "data-connection" -> StreamMode.DATA_CONNECTION;
            default -> throw new IllegalArgumentException("'" + text + "' is not multiplexed or data-connection");
        }, StreamMode.MULTIPLEXED);
        Integer window = v.optional(ConfigKey.STREAM_WINDOW, AgentConfigLoader::bytes, Wire.DEFAULT_STREAM_WINDOW);
        Integer maxStreams = v.optional(ConfigKey.MAX_STREAMS, text -> {
            int n = integer(text);
            if (n < 1 || n > MAX_STREAMS) {
                throw new IllegalArgumentException(n + " is not in 1.." + MAX_STREAMS);
            }
            return n;
        }, AgentConfig.DEFAULT_MAX_STREAMS);
        Duration localConnect = v.optional(ConfigKey.LOCAL_CONNECT_TIMEOUT, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.DEFAULT_LOCAL_CONNECT_TIMEOUT);
        List<LocalLink> links = v.list(ConfigKey.LINK, LocalLink::parse);
        List<String> onConnectExec = v.optional(ConfigKey.ON_CONNECT_REQUEST_EXEC, AgentConfigLoader::command,
                List.of());
        URI onConnectUrl = v.optional(ConfigKey.ON_CONNECT_REQUEST_URL, AgentConfigLoader::httpUrl, null);
        if ((!onConnectExec.isEmpty() || onConnectUrl != null) && expose.isEmpty()) {
            v.problem(ConfigKey.EXPOSE, "connect requests are passed on only for exposed ports: give at least one"
                    + " expose with on-connect-request-exec or on-connect-request-url");
        }
        List<String> rpcExec = v.optional(ConfigKey.RPC_EXEC, AgentConfigLoader::command, List.of());
        Duration execTimeout = v.optional(ConfigKey.EXEC_TIMEOUT, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.DEFAULT_EXEC_TIMEOUT);
        OutboundProxy via = v.optional(ConfigKey.VIA, OutboundProxy::parse, null);
        AgentConfig.OnDemand onDemand = onDemand(v, merged);
        Boolean splice = v.optional(ConfigKey.DATA_CONNECTION_SPLICE, text -> switch (text.trim()
                .toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
        }, true);

        AgentConfig.Tls tls = tls(v, merged);

        v.throwIfAny();
        return new AgentConfig(appliance, deviceId, token, keepAlive, initial, cap, handshake, logLevel,
                new AgentConfig.Features(expose, mode, window, maxStreams, localConnect, links, onConnectExec,
                        onConnectUrl, rpcExec, execTimeout, via, splice), onDemand, tls);
    }

    private static AgentConfig.OnDemand onDemand(Validator v, Map<ConfigKey, Setting> merged) {
        Boolean enabled = v.optional(ConfigKey.ON_DEMAND, AgentConfigLoader::bool, false);
        Duration quiet = v.optional(ConfigKey.ON_DEMAND_QUIET, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.OnDemand.DEFAULT_QUIET);
        Duration interval = v.optional(ConfigKey.ON_DEMAND_INTERVAL, text -> atLeast(Durations.parse(text),
                Duration.ofMillis(1)), AgentConfig.OnDemand.DEFAULT_INTERVAL);
        String direct = v.optional(ConfigKey.DIRECT_ADDRESS, text -> {
            String problem = DirectAddress.problem(text.trim());
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return text.trim();
        }, null);
        if (!Boolean.TRUE.equals(enabled)) {
            for (ConfigKey key : new ConfigKey[]{ConfigKey.ON_DEMAND_QUIET, ConfigKey.ON_DEMAND_INTERVAL}) {
                if (merged.containsKey(key)) {
                    v.problem(key, "applies only with on-demand: true");
                }
            }
        }
        if (enabled == null || quiet == null || interval == null) {
            return null;
        }
        return new AgentConfig.OnDemand(enabled, quiet, interval, direct);
    }

    private static AgentConfig.Tls tls(Validator v, Map<ConfigKey, Setting> merged) {
        Function<String, Path> readable = text -> {
            Path p = Path.of(text.trim());
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read " + p);
            }
            return p;
        };
        Path ca = v.optional(ConfigKey.TLS_CA, readable, null);
        Path cert = v.optional(ConfigKey.TLS_CERT, readable, null);
        Path key = v.optional(ConfigKey.TLS_KEY, readable, null);
        Boolean verify = v.optional(ConfigKey.TLS_VERIFY_HOST, AgentConfigLoader::bool, true);
        Boolean enabled = v.optional(ConfigKey.TLS, AgentConfigLoader::bool,
                merged.containsKey(ConfigKey.TLS_CA) || merged.containsKey(ConfigKey.TLS_CERT));
        if (merged.containsKey(ConfigKey.TLS_CERT) != merged.containsKey(ConfigKey.TLS_KEY)) {
            v.problem(merged.containsKey(ConfigKey.TLS_CERT) ? ConfigKey.TLS_KEY : ConfigKey.TLS_CERT,
                    "tls-cert and tls-key go together");
        }
        if (Boolean.FALSE.equals(enabled) && (ca != null || cert != null)) {
            v.problem(ConfigKey.TLS, "false, but tls-ca or tls-cert is given");
        }
        return new AgentConfig.Tls(Boolean.TRUE.equals(enabled), ca, cert, key, !Boolean.FALSE.equals(verify));
    }

    private static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
        };
    }

    /** Bytes as a number with an optional k or m suffix (KiB, MiB), also spelled KiB/MiB as the appliance does. */
    private static int bytes(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        }
        long factor = 1;
        if (s.endsWith("k")) {
            factor = 1024;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            factor = 1024 * 1024;
            s = s.substring(0, s.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(s.trim()) * factor;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a byte count such as 65536, 256k (256KiB) or 1m (1MiB)");
        }
        if (n < MIN_STREAM_WINDOW || n > MAX_STREAM_WINDOW) {
            throw new IllegalArgumentException("'" + text + "' is not in " + MIN_STREAM_WINDOW + ".." + MAX_STREAM_WINDOW
                    + " bytes");
        }
        return (int) n;
    }

    private static int integer(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    }

    /** A command line split on whitespace: it is run directly, never through a shell. */
    private static List<String> command(String text) {
        List<String> args = List.of(text.trim().split("\\s+"));
        if (text.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        return args;
    }

    private static URI httpUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// URL");
        }
        return uri;
    }

    private static String token(Validator v, Map<ConfigKey, Setting> merged) {
        boolean inline = merged.containsKey(ConfigKey.TOKEN);
        boolean file = merged.containsKey(ConfigKey.TOKEN_FILE);
        if (inline && file) {
            v.problem(ConfigKey.TOKEN, "give either token or token-file, not both");
            return null;
        }
        if (!inline && !file) {
            if (merged.containsKey(ConfigKey.TLS_CERT)) {
                return ""; // a client certificate names the device: the appliance needs no token (mutual TLS)
            }
            v.problem(ConfigKey.TOKEN, "required (or token-file, or tls-cert for mutual TLS)");
            return null;
        }
        Function<String, String> checkLength = token -> {
            if (token.isEmpty()) {
                throw new IllegalArgumentException("is empty");
            }
            if (token.getBytes(StandardCharsets.UTF_8).length > Wire.MAX_CREDENTIAL_BYTES) {
                throw new IllegalArgumentException("is longer than " + Wire.MAX_CREDENTIAL_BYTES + " bytes");
            }
            return token;
        };
        if (inline) {
            return v.required(ConfigKey.TOKEN, checkLength);
        }
        return v.required(ConfigKey.TOKEN_FILE, path -> {
            String content;
            try {
                content = Files.readString(Path.of(path), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
            }
            return checkLength.apply(content.strip());
        });
    }

    private static Duration keepAlive(String text) {
        Duration d = Durations.parse(text);
        if (d.toMillis() % 1000 != 0 || d.toSeconds() > 0xFFFF) {
            throw new IllegalArgumentException(Durations.format(d) + " is not whole seconds in 0..65535");
        }
        return d;
    }

    private static Duration atLeast(Duration d, Duration min) {
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("must be at least " + Durations.format(min));
        }
        return d;
    }

    /** Collects problems instead of stopping at the first, so one run shows everything to fix. */
    private static final class Validator {
        private final Map<ConfigKey, Setting> settings;
        private final List<String> problems = new ArrayList<>();

        Validator(Map<ConfigKey, Setting> settings) {
            this.settings = settings;
        }

        <T> T required(ConfigKey key, Function<String, T> parse) {
            if (!settings.containsKey(key)) {
                problems.add(key.key() + ": required (set it in the file or with " + key.flag() + ")");
                return null;
            }
            return optional(key, parse, null);
        }

        <T> T optional(ConfigKey key, Function<String, T> parse, T fallback) {
            Setting s = settings.get(key);
            if (s == null) {
                return fallback;
            }
            try {
                return parse.apply(s.value());
            } catch (IllegalArgumentException e) {
                problems.add(key.key() + ": " + e.getMessage() + " (from " + s.source() + ")");
                return null;
            }
        }

        /** Every value of a repeatable key, each parsed; an absent key is an empty list. */
        <T> List<T> list(ConfigKey key, Function<String, T> parse) {
            Setting s = settings.get(key);
            if (s == null) {
                return List.of();
            }
            List<T> parsed = new ArrayList<>();
            for (String value : s.values()) {
                try {
                    parsed.add(parse.apply(value));
                } catch (IllegalArgumentException e) {
                    problems.add(key.key() + ": " + e.getMessage() + " (from " + s.source() + ")");
                }
            }
            return parsed;
        }

        void problem(ConfigKey key, String message) {
            Setting s = settings.get(key);
            problems.add(key.key() + ": " + message + (s == null ? "" : " (from " + s.source() + ")"));
        }

        void throwIfAny() throws ConfigException {
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
        }
    }
}
