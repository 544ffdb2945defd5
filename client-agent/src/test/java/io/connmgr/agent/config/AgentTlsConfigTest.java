package io.connmgr.agent.config;

import io.connmgr.agent.config.AgentConfigLoader.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent's TLS settings: which imply TLS, which go together, and when the token may be left out. */
class AgentTlsConfigTest {
    @TempDir
    Path dir;

    @Test
    void noTlsKeys_plainLink() throws Exception {
        AgentConfig c = AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:7700",
                ConfigKey.DEVICE_ID, "dev-1", ConfigKey.TOKEN, "t"));
        assertThat(c.tls()).isEqualTo(AgentConfig.Tls.OFF);
    }

    @Test
    void clientCertificate_impliesTls_andMakesTheTokenOptional() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("dev.pem"), "x");
        Path key = Files.writeString(dir.resolve("dev.key"), "x");
        AgentConfig c = AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:7743",
                ConfigKey.DEVICE_ID, "dev-1", ConfigKey.TLS_CA, ca.toString(), ConfigKey.TLS_CERT, cert.toString(),
                ConfigKey.TLS_KEY, key.toString()));
        assertThat(c.token()).isEmpty();
        assertThat(c.tls()).isEqualTo(new AgentConfig.Tls(true, ca, cert, key, true));
    }

    @Test
    void certificateWithoutKey_unreadableCa_andTlsOffWithACa_areEachReported() throws Exception {
        Path cert = Files.writeString(dir.resolve("dev.pem"), "x");
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:7743",
                ConfigKey.DEVICE_ID, "dev-1", ConfigKey.TLS_CERT, cert.toString(),
                ConfigKey.TLS_CA, dir.resolve("missing.pem").toString(), ConfigKey.TLS, "false")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).anySatisfy(
                        p -> assertThat(p).startsWith("tls-key: ").contains("go together")).anySatisfy(
                        p -> assertThat(p).startsWith("tls-ca: ").contains("cannot read")).anySatisfy(
                        p -> assertThat(p).startsWith("tls: ")));
    }

    private static Map<ConfigKey, Setting> flags(Object... keysAndValues) {
        Map<ConfigKey, Setting> flags = new EnumMap<>(ConfigKey.class);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            ConfigKey key = (ConfigKey) keysAndValues[i];
            flags.put(key, new Setting((String) keysAndValues[i + 1], key.flag()));
        }
        return flags;
    }
}
