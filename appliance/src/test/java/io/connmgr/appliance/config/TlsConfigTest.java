package io.connmgr.appliance.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The TLS block of the configuration: off by default, and what a listener with TLS needs. */
class TlsConfigTest {

    @Test
    void defaults_noListenerUsesTls() {
        TlsConfig tls = ConfigLoader.load(null, Map.of()).tls();
        assertThat(tls.anyListener()).isFalse();
        assertThat(tls.provider()).isEqualTo(TlsConfig.Provider.AUTO);
        assertThat(tls.deviceClientAuth()).isEqualTo(TlsConfig.ClientAuth.NONE);
    }

    @Test
    void aTlsListener_needsCertAndKey_andClientAuthNeedsTheCa_allReportedAtOnce() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("device-tls-port", "7743",
                "device-tls-client-auth", "require", "admin-tls", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls-cert: must be set")
                .hasMessageContaining("tls-key: must be set")
                .hasMessageContaining("tls-ca: must be set when device-tls-client-auth is require");
    }

    @Test
    void theTlsPortMustDifferFromThePlainOne_andChoicesAreChecked() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("device-tls-port", "7700", "tls-cert", "c",
                "tls-key", "k"))).hasMessageContaining("device-tls-port: must differ from device-port");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("device-tls-identity", "email")))
                .hasMessageContaining("device-tls-identity: 'email' is not valid");
    }

    @Test
    void uriSanIdentity_withItsPrefix() {
        TlsConfig tls = ConfigLoader.load(null, Map.of("device-tls-port", "7743", "tls-cert", "c.pem",
                "tls-key", "k.pem", "device-tls-identity", "uri-san", "device-tls-uri-prefix", "urn:device:",
                "tls-provider", "jdk")).tls();
        assertThat(tls.deviceIdentity()).isEqualTo(TlsConfig.Identity.URI_SAN);
        assertThat(tls.deviceUriPrefix()).isEqualTo("urn:device:");
        assertThat(tls.provider()).isEqualTo(TlsConfig.Provider.JDK);
        assertThat(tls.cert()).isEqualTo(Path.of("c.pem"));
    }
}
