package io.connmgr.appliance.transport.tls;

import io.connmgr.appliance.config.TlsConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the TLS implementation: OpenSSL (BoringSSL, from netty-tcnative) where it loads, else the JDK's. */
public final class TlsProviders {
    private static final Logger log = LoggerFactory.getLogger(TlsProviders.class);

    private TlsProviders() {
    }

    /**
     * @throws IllegalStateException when {@code openssl} is asked for and cannot be loaded: a setting that forces a
     *                               provider is obeyed or start-up stops, never silently replaced
     */
    public static SslProvider choose(TlsConfig.Provider wanted) {
        return switch (wanted) {
            case JDK -> {
                log.info("TLS provider: JDK (tls-provider jdk)");
                yield SslProvider.JDK;
            }
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("tls-provider openssl: OpenSSL cannot be loaded: "
                            + OpenSsl.unavailabilityCause());
                }
                log.info("TLS provider: OpenSSL ({}) (tls-provider openssl)", OpenSsl.versionString());
                yield SslProvider.OPENSSL;
            }
            case AUTO -> {
                if (OpenSsl.isAvailable()) {
                    log.info("TLS provider: OpenSSL ({})", OpenSsl.versionString());
                    yield SslProvider.OPENSSL;
                }
                log.warn("TLS provider: JDK, because OpenSSL cannot be loaded: {}",
                        String.valueOf(OpenSsl.unavailabilityCause()));
                yield SslProvider.JDK;
            }
        };
    }

    /** The name used in logs, the reload answer and the metrics: "openssl" or "jdk". */
    public static String name(SslProvider provider) {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }
}
