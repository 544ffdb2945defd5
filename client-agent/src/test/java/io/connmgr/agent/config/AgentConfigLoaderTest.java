package io.connmgr.agent.config;

import io.connmgr.agent.config.AgentConfigLoader.Setting;
import io.connmgr.agent.control.OutboundProxy;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void yaml_withEveryKey_isRead() throws Exception {
        Path file = write("""
                appliance: cm.example.net:7700
                device-id: dev-1
                token: abc
                keepalive: 45
                backoff-initial: 500ms
                backoff-cap: 2m
                handshake-timeout: 5s
                log-level: debug
                """);

        AgentConfig config = AgentConfigLoader.resolve(AgentConfigLoader.readYaml(file), Map.of());

        assertThat(config.appliance()).isEqualTo(new HostPort("cm.example.net", 7700));
        assertThat(config.deviceId()).isEqualTo("dev-1");
        assertThat(config.token()).isEqualTo("abc");
        assertThat(config.keepAlive()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.backoffInitial()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.backoffCap()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.logLevel()).isEqualTo("DEBUG");
    }

    @Test
    void defaults_applyToWhatIsNotSet() throws Exception {
        AgentConfig config = AgentConfigLoader.resolve(Map.of(), flags(
                ConfigKey.APPLIANCE, "[::1]:7700", ConfigKey.DEVICE_ID, "dev-1", ConfigKey.TOKEN, "t"));

        assertThat(config.appliance()).isEqualTo(new HostPort("::1", 7700));
        assertThat(config.keepAlive()).isZero();
        assertThat(config.backoffInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.backoffCap()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.logLevel()).isEqualTo("INFO");
    }

    @Test
    void flags_overrideTheFile() throws Exception {
        Path file = write("""
                appliance: file-host:1
                device-id: from-file
                token: file-token
                backoff-cap: 10s
                """);

        AgentConfig config = AgentConfigLoader.resolve(AgentConfigLoader.readYaml(file),
                flags(ConfigKey.APPLIANCE, "flag-host:2", ConfigKey.BACKOFF_CAP, "20s"));

        assertThat(config.appliance()).isEqualTo(new HostPort("flag-host", 2));
        assertThat(config.backoffCap()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.deviceId()).isEqualTo("from-file");
    }

    @Test
    void invalidValues_areAllReported_eachNamingItsKeyAndSource() throws Exception {
        Path file = write("""
                appliance: no-port-here
                device-id: has space
                token: t
                keepalive: 1.5s
                backoff-initial: soon
                log-level: loud
                """);

        assertThatThrownBy(() -> AgentConfigLoader.resolve(AgentConfigLoader.readYaml(file),
                flags(ConfigKey.HANDSHAKE_TIMEOUT, "0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactly(
                        p -> assertThat(p).startsWith("appliance: ").contains("HOST:PORT", "agent.yaml"),
                        p -> assertThat(p).startsWith("device-id: ").contains("has space"),
                        p -> assertThat(p).startsWith("keepalive: ").contains("not a duration"),
                        p -> assertThat(p).startsWith("backoff-initial: ").contains("'soon'"),
                        p -> assertThat(p).startsWith("handshake-timeout: ").contains("at least", "--handshake-timeout"),
                        p -> assertThat(p).startsWith("log-level: ").contains("loud")));
    }

    @Test
    void missingRequiredKeys_nameTheirFlags() {
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "appliance: required (set it in the file or with --appliance)",
                        "device-id: required (set it in the file or with --device-id)",
                        "token: required (or token-file, or tls-cert for mutual TLS)"));
    }

    @Test
    void outOfRangeNumbers_nameTheKey() {
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:70000",
                ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t", ConfigKey.KEEPALIVE, "70000",
                ConfigKey.BACKOFF_INITIAL, "10s", ConfigKey.BACKOFF_CAP, "5s")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactly(
                        p -> assertThat(p).startsWith("appliance: ").contains("1..65535"),
                        p -> assertThat(p).startsWith("keepalive: ").contains("0..65535"),
                        p -> assertThat(p).startsWith("backoff-cap: ").contains("below backoff-initial")));
    }

    @Test
    void unknownKeysAndNestedValues_areErrors() throws Exception {
        Path file = write("""
                appliance: h:1
                apliance: typo:1
                device-id: [a, b]
                """);

        assertThatThrownBy(() -> AgentConfigLoader.readYaml(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactly(
                        p -> assertThat(p).startsWith("apliance: unknown key"),
                        p -> assertThat(p).startsWith("device-id: expected a single value")));
    }

    @Test
    void brokenYaml_saysWhere() throws Exception {
        Path file = write("appliance: [unclosed\n");

        assertThatThrownBy(() -> AgentConfigLoader.readYaml(file))
                .isInstanceOf(ConfigException.class).hasMessageContaining("agent.yaml: not valid YAML at line");
    }

    @Test
    void tokenFile_isRead_andTheTokenNeverAppearsInToString() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "very-secret\n");

        AgentConfig config = AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:1",
                ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN_FILE, tokenFile.toString()));

        assertThat(config.token()).isEqualTo("very-secret");
        assertThat(config.toString()).doesNotContain("very-secret");
    }

    @Test
    void tokenAndTokenFile_together_areRefused() {
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:1",
                ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t", ConfigKey.TOKEN_FILE, "/x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("token: give either");
    }

    @Test
    void emptyFile_hasNoSettings() throws Exception {
        assertThat(AgentConfigLoader.readYaml(write(""))).isEmpty();
    }

    @Test
    void yaml_features_listsAndScalars() throws Exception {
        Path file = write("""
                appliance: cm.example.net:7700
                device-id: dev-1
                token: abc
                expose:
                  - 22
                  - "8080=127.0.0.1:80"
                stream-mode: data-connection
                stream-window: 64k
                max-streams: 8
                local-connect-timeout: 2s
                link:
                  - 127.0.0.1:15000=telemetry
                on-connect-request-exec: /usr/local/bin/dial-in --quiet
                on-connect-request-url: http://127.0.0.1:9000/connect
                rpc-exec: /usr/local/bin/rpc
                exec-timeout: 3s
                via: socks5://u:p@proxy.corp:1080
                """);

        AgentConfig.Features f = AgentConfigLoader.resolve(AgentConfigLoader.readYaml(file), Map.of()).features();

        assertThat(f.expose()).containsExactly(Exposure.local(22), new Exposure(8080, "127.0.0.1", 80));
        assertThat(f.streamMode()).isEqualTo(StreamMode.DATA_CONNECTION);
        assertThat(f.streamWindow()).isEqualTo(65536);
        assertThat(f.maxStreams()).isEqualTo(8);
        assertThat(f.localConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(f.links()).containsExactly(new LocalLink("127.0.0.1", 15000, "telemetry"));
        assertThat(f.onConnectRequestExec()).containsExactly("/usr/local/bin/dial-in", "--quiet");
        assertThat(f.onConnectRequestUrl()).hasToString("http://127.0.0.1:9000/connect");
        assertThat(f.rpcExec()).containsExactly("/usr/local/bin/rpc");
        assertThat(f.execTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(f.via()).isEqualTo(new OutboundProxy(OutboundProxy.Type.SOCKS5, "proxy.corp", 1080, "u", "p"));
    }

    @Test
    void features_defaults() throws Exception {
        AgentConfig.Features f = AgentConfigLoader.resolve(Map.of(), flags(
                ConfigKey.APPLIANCE, "h:1", ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t")).features();

        assertThat(f).isEqualTo(AgentConfig.Features.NONE);
        assertThat(f.streamWindow()).isEqualTo(Wire.DEFAULT_STREAM_WINDOW);
    }

    @Test
    void badFeatureValues_areAllReported() {
        Map<ConfigKey, Setting> flags = flags(ConfigKey.APPLIANCE, "h:1", ConfigKey.DEVICE_ID, "d",
                ConfigKey.TOKEN, "t", ConfigKey.STREAM_MODE, "carrier-pigeon", ConfigKey.STREAM_WINDOW, "12",
                ConfigKey.ON_CONNECT_REQUEST_URL, "file:///etc/passwd", ConfigKey.VIA, "ftp://x:1");
        flags.put(ConfigKey.EXPOSE, new Setting(List.of("22", "22=10.0.0.1:22", "http"), "--expose"));
        flags.put(ConfigKey.LINK, new Setting(List.of("15000"), "--link"));

        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("stream-mode: 'carrier-pigeon'")
                .hasMessageContaining("stream-window: '12' is not in")
                .hasMessageContaining("expose: 'http'")
                .hasMessageContaining("port 22 is exposed more than once")
                .hasMessageContaining("link: '15000' is not HOST:PORT=SERVICE")
                .hasMessageContaining("on-connect-request-url: 'file:///etc/passwd'")
                .hasMessageContaining("via: 'ftp://x:1'");
    }

    @Test
    void connectRequests_withoutExposedPorts_areRefused() {
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(ConfigKey.APPLIANCE, "h:1",
                ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t", ConfigKey.ON_CONNECT_REQUEST_EXEC, "/bin/true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expose: connect requests");
    }

    @Test
    void yaml_listForASingleValueKey_isAnError() throws Exception {
        Path file = write("""
                stream-mode: [multiplexed]
                """);

        assertThatThrownBy(() -> AgentConfigLoader.readYaml(file)).hasMessageContaining("stream-mode: expected a single");
    }

    @Test
    void onDemand_fromYaml_withItsDurationsAndDirectAddress() throws Exception {
        Path file = write("""
                appliance: cm.example.net:7700
                device-id: dev-1
                token: abc
                on-demand: true
                on-demand-quiet: 10s
                on-demand-interval: 1h
                direct-address: dev-1.example.net
                """);

        AgentConfig config = AgentConfigLoader.resolve(AgentConfigLoader.readYaml(file), Map.of());

        assertThat(config.onDemand()).isEqualTo(new AgentConfig.OnDemand(true, Duration.ofSeconds(10),
                Duration.ofHours(1), "dev-1.example.net"));
    }

    @Test
    void onDemand_problems_areEachNamed() {
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(
                ConfigKey.APPLIANCE, "h:1", ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t",
                ConfigKey.ON_DEMAND, "maybe", ConfigKey.DIRECT_ADDRESS, "host:0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("on-demand:").contains("maybe"))
                        .anySatisfy(p -> assertThat(p).startsWith("direct-address:").contains("port")));
        assertThatThrownBy(() -> AgentConfigLoader.resolve(Map.of(), flags(
                ConfigKey.APPLIANCE, "h:1", ConfigKey.DEVICE_ID, "d", ConfigKey.TOKEN, "t",
                ConfigKey.ON_DEMAND_QUIET, "5s")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("on-demand-quiet: applies only with on-demand: true (from --on-demand-quiet)"));
    }

    private Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("agent.yaml"), yaml);
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
