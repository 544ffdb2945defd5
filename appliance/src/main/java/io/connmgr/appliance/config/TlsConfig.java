package io.connmgr.appliance.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The TLS block of the configuration (docs/configuration.md, "TLS"). One certificate, key and CA serve every
 * listener; each listener turns TLS on by itself.
 *
 * @param cert                certificate chain (PEM), null when not set
 * @param key                 its private key (PEM, PKCS#8), null when not set
 * @param ca                  CA certificates device client certificates must chain to (PEM), null when not set
 * @param provider            which TLS implementation to use
 * @param sessionCacheSize    TLS sessions kept for resumption by id; 0 = the provider's default
 * @param sessionTimeout      how long a session or ticket may be resumed
 * @param devicePort          port of the device listener over TLS, -1 = none
 * @param deviceClientAuth    whether devices on that port present certificates
 * @param deviceIdentity      where the device id is in a client certificate
 * @param deviceUriPrefix     prefix removed from a URI SAN to give the device id
 * @param proxy               the back-end proxy listener speaks TLS only
 * @param control             the control channel speaks TLS only
 * @param admin               the admin API speaks HTTPS only
 */
public record TlsConfig(Path cert, Path key, Path ca, Provider provider, int sessionCacheSize,
                        Duration sessionTimeout, int devicePort, ClientAuth deviceClientAuth,
                        Identity deviceIdentity, String deviceUriPrefix, boolean proxy, boolean control,
                        boolean admin) {

    public enum Provider { AUTO, OPENSSL, JDK }

    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    public enum Identity { CN, DNS_SAN, URI_SAN }

    /** TLS configured nowhere: every listener plain. */
    public static final TlsConfig OFF = new TlsConfig(null, null, null, Provider.AUTO, 0, Duration.ofHours(24), -1,
            ClientAuth.NONE, Identity.CN, "", false, false, false);

    /** Whether any listener speaks TLS. */
    public boolean anyListener() {
        return devicePort >= 0 || proxy || control || admin;
    }

    static TlsConfig from(Map<String, Object> v) {
        return new TlsConfig(path(v, "tls-cert"), path(v, "tls-key"), path(v, "tls-ca"),
                Provider.valueOf(upper(v, "tls-provider")), Math.toIntExact((Long) v.get("tls-session-cache-size")),
                (Duration) v.get("tls-session-timeout"), Math.toIntExact((Long) v.get("device-tls-port")),
                ClientAuth.valueOf(upper(v, "device-tls-client-auth")),
                Identity.valueOf(upper(v, "device-tls-identity")), (String) v.get("device-tls-uri-prefix"),
                (Boolean) v.get("proxy-tls"), (Boolean) v.get("control-tls"), (Boolean) v.get("admin-tls"));
    }

    /** Relations between the TLS settings; the files themselves are read (and their errors reported) at start. */
    static void check(Map<String, Object> v, List<String> errors) {
        TlsConfig c = from(v);
        if (!c.anyListener()) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (c.cert == null) {
            missing.add("tls-cert");
        }
        if (c.key == null) {
            missing.add("tls-key");
        }
        for (String key : missing) {
            errors.add(key + ": must be set when a listener uses TLS (device-tls-port, proxy-tls, control-tls, "
                    + "admin-tls)");
        }
        if (c.devicePort >= 0 && c.deviceClientAuth != ClientAuth.NONE && c.ca == null) {
            errors.add("tls-ca: must be set when device-tls-client-auth is " + v.get("device-tls-client-auth"));
        }
        if (c.devicePort > 0 && c.devicePort == Math.toIntExact((Long) v.get("device-port"))) {
            errors.add("device-tls-port: must differ from device-port");
        }
    }

    private static Path path(Map<String, Object> v, String key) {
        String s = (String) v.get(key);
        return s == null || s.isEmpty() ? null : Path.of(s);
    }

    private static String upper(Map<String, Object> v, String key) {
        return ((String) v.get(key)).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
