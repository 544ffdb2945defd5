package io.connmgr.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamSettingsTest {

    @Test
    void defaults_matchTheDocumentedOnes() {
        ApplianceConfig c = ConfigLoader.load(null, Map.of());
        assertThat(c.proxyPort()).isEqualTo(7780);
        assertThat(c.proxyEnabled()).isTrue();
        assertThat(c.connectWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.streamWindow()).isEqualTo(256 * 1024);
        assertThat(c.services()).isEmpty();
    }

    @Test
    void services_fromAYamlMapping_andFromAFlag(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("appliance.yaml");
        Files.writeString(yaml, "services:\n  telemetry: 127.0.0.1:9000\n  logs: logs.internal:5140\n");
        assertThat(ConfigLoader.load(yaml, Map.of()).services())
                .containsExactlyInAnyOrderEntriesOf(Map.of("telemetry", "127.0.0.1:9000", "logs", "logs.internal:5140"));
        assertThat(ConfigLoader.load(null, Map.of("services", "a=h:1,b=10.0.0.1:2")).services())
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "h:1", "b", "10.0.0.1:2"));
    }

    @Test
    void services_withoutHostAndPort_stopStartUp() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("services", "telemetry=nohost,x=h:99999")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("services: 'telemetry=nohost'")
                .hasMessageContaining("services: 'x=h:99999'");
    }
}
