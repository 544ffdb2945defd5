package io.connmgr.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaults_matchTheDocumentedValues() {
        ApplianceConfig c = ConfigLoader.load(null, Map.of());
        assertThat(c.devicePort()).isEqualTo(7700);
        assertThat(c.adminPort()).isEqualTo(7790);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.idleAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.sleepAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.sessionExpiry()).isEqualTo(Duration.ofHours(24));
        assertThat(c.maxFrameSize()).isEqualTo(1024 * 1024);
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.storeMoveAsideIfCorrupt()).isFalse();
    }

    @Test
    void flagsOverrideTheFile_whichOverridesDefaults() throws Exception {
        Path yaml = dir.resolve("a.yaml");
        Files.writeString(yaml, "idle-after: 10s\nsleep-after: 2m\nmax-frame-size: 64KiB\nstore-recover: move-aside\n");
        ApplianceConfig c = ConfigLoader.load(yaml, Map.of("sleep-after", "90s"));
        assertThat(c.idleAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.sleepAfter()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.maxFrameSize()).isEqualTo(65536);
        assertThat(c.storeMoveAsideIfCorrupt()).isTrue();
    }

    @Test
    void everyProblemIsReported_eachNamingItsKey() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "idle-after: soon\nno-such-key: 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of("device-port", "70000", "sleep-enabled", "maybe")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(4))
                .hasMessageContaining("idle-after: 'soon' is not valid")
                .hasMessageContaining("no-such-key: unknown setting")
                .hasMessageContaining("device-port: 70000 is out of range")
                .hasMessageContaining("sleep-enabled: 'maybe' is not valid");
    }

    @Test
    void hugeDurations_areReportedLikeAnyBadValue() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("session-expiry", "999999999999d",
                "idle-after", "99999999999999999999s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("session-expiry: '999999999999d' is not valid")
                .hasMessageContaining("idle-after: '99999999999999999999s' is not valid");
    }

    @Test
    void unparsableYaml_stopsStartUp() throws Exception {
        Path yaml = dir.resolve("broken.yaml");
        Files.writeString(yaml, "idle-after: [unclosed\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
    }

    @Test
    void inconsistentBounds_areRejected() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("keep-alive-min", "2m", "keep-alive-max", "1m")))
                .hasMessageContaining("keep-alive-min: must not exceed keep-alive-max");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("store-recover", "delete")))
                .hasMessageContaining("store-recover: 'delete' is not valid, expected one of [fail|move-aside]");
    }

    @Test
    void everySetting_isDocumentedWithItsDefault() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc);
        for (Setting s : Settings.ALL) {
            assertThat(text).as("docs/configuration.md documents %s", s.name())
                    .contains("| `" + s.name() + "` |").contains("`" + s.defaultValue() + "`");
        }
    }
}
