package io.connmgr.appliance.config;

import java.util.List;
import java.util.Map;

/**
 * Which load balancers each listener takes PROXY protocol headers from (docs/configuration.md, "PROXY protocol").
 * A connection from one of these networks must start with a header; from anywhere else a header is never parsed.
 * {@link SourceNetworks#NONE} means the listener takes no header from anyone, the default.
 *
 * @param device  balancers in front of the device listener
 * @param proxy   balancers in front of the back-end proxy listener (SOCKS5 and HTTP CONNECT)
 * @param control balancers in front of the back-end control channel
 */
public record ProxyProtocolConfig(SourceNetworks device, SourceNetworks proxy, SourceNetworks control) {
    public static final ProxyProtocolConfig OFF =
            new ProxyProtocolConfig(SourceNetworks.NONE, SourceNetworks.NONE, SourceNetworks.NONE);

    static final String SHARED = "proxy-protocol-trusted";
    /** A per-listener value that turns the shared list off for that listener. */
    static final String NONE = "none";
    private static final List<String> PER_LISTENER = List.of(
            "proxy-protocol-trusted-device", "proxy-protocol-trusted-proxy", "proxy-protocol-trusted-control");

    static ProxyProtocolConfig from(Map<String, Object> v) {
        return new ProxyProtocolConfig(listener(v, PER_LISTENER.get(0)), listener(v, PER_LISTENER.get(1)),
                listener(v, PER_LISTENER.get(2)));
    }

    /** Adds an error, naming its key, for every list that is not CIDR networks (or {@code none} per listener). */
    static void check(Map<String, Object> v, List<String> errors) {
        if (v.get(SHARED) instanceof String shared) {
            try {
                SourceNetworks.parse(shared);
            } catch (IllegalArgumentException e) {
                errors.add(SHARED + ": " + e.getMessage());
            }
        }
        for (String key : PER_LISTENER) {
            if (v.get(key) instanceof String own && !own.trim().equals(NONE)) {
                try {
                    SourceNetworks.parse(own);
                } catch (IllegalArgumentException e) {
                    errors.add(key + ": " + e.getMessage() + " (or '" + NONE + "')");
                }
            }
        }
    }

    private static SourceNetworks listener(Map<String, Object> v, String key) {
        String own = ((String) v.get(key)).trim();
        if (own.equals(NONE)) {
            return SourceNetworks.NONE;
        }
        return SourceNetworks.parse(own.isEmpty() ? (String) v.get(SHARED) : own);
    }
}
