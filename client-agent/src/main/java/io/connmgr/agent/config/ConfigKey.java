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
    LOG_LEVEL("log-level", "LEVEL", "ERROR, WARN, INFO, DEBUG or TRACE (default INFO)");

    private final String key;
    private final String paramLabel;
    private final String description;

    ConfigKey(String key, String paramLabel, String description) {
        this.key = key;
        this.paramLabel = paramLabel;
        this.description = description;
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
