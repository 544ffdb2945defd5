package io.connmgr.agent;

import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.config.ConfigKey;
import io.connmgr.agent.config.HostPort;
import io.connmgr.agent.control.OutboundProxy;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.message.StreamMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class AgentMainTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    @Test
    void everyConfigKey_hasAFlagOfTheSameName() {
        CommandLine commandLine = AgentMain.commandLine();

        for (ConfigKey key : ConfigKey.values()) {
            assertThat(commandLine.getCommandSpec().findOption(key.flag())).as(key.flag()).isNotNull();
        }
    }

    @Test
    void flags_alone_makeAConfig() throws Exception {
        AgentConfig config = parse("--appliance", "127.0.0.1:7700", "--device-id", "dev-1", "--token", "t0k",
                "--keepalive", "30s", "--backoff-cap", "90s", "--log-level", "warn");

        assertThat(config.appliance()).isEqualTo(new HostPort("127.0.0.1", 7700));
        assertThat(config.deviceId()).isEqualTo("dev-1");
        assertThat(config.token()).isEqualTo("t0k");
        assertThat(config.keepAlive()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.backoffCap()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.logLevel()).isEqualTo("WARN");
    }

    @Test
    void onDemandFlag_alone_meansTrue_andTakesTheDirectAddress() throws Exception {
        AgentConfig config = parse("--appliance", "127.0.0.1:7700", "--device-id", "dev-1", "--token", "t0k",
                "--on-demand", "--direct-address", "[2001:db8::17]:8080", "--on-demand-quiet", "5s");

        assertThat(config.onDemand()).isEqualTo(new AgentConfig.OnDemand(true, Duration.ofSeconds(5),
                AgentConfig.OnDemand.DEFAULT_INTERVAL, "[2001:db8::17]:8080"));
        assertThat(parse("--appliance", "127.0.0.1:7700", "--device-id", "dev-1", "--token", "t0k",
                "--on-demand=false").onDemand().enabled()).isFalse();
        assertThat(parse("--appliance", "127.0.0.1:7700", "--device-id", "dev-1", "--token", "t0k").onDemand())
                .isEqualTo(AgentConfig.OnDemand.OFF);
    }

    @Test
    void yamlFile_withFlagsOnTop() throws Exception {
        Path yaml = Files.writeString(dir.resolve("agent.yaml"), """
                appliance: cm.example.net:7700
                device-id: dev-1
                token: from-file
                keepalive: 60
                """);

        AgentConfig config = parse("--config", yaml.toString(), "--keepalive", "15");

        assertThat(config.appliance()).isEqualTo(new HostPort("cm.example.net", 7700));
        assertThat(config.token()).isEqualTo("from-file");
        assertThat(config.keepAlive()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void repeatableFlags_collectEveryValue_andReplaceTheFilesList() throws Exception {
        Path yaml = Files.writeString(dir.resolve("agent.yaml"), """
                appliance: 127.0.0.1:7700
                device-id: dev-1
                token: t
                expose: [80]
                """);

        AgentConfig config = parse("--config", yaml.toString(), "--expose", "22", "--expose", "8080=127.0.0.1:80",
                "--link", "127.0.0.1:15000=telemetry", "--stream-mode", "data-connection", "--stream-window", "1m",
                "--via", "http://proxy:3128", "--on-connect-request-url", "http://127.0.0.1:9000/cr");

        assertThat(config.features().expose()).containsExactly(Exposure.local(22),
                new Exposure(8080, "127.0.0.1", 80));
        assertThat(config.features().links()).containsExactly(new LocalLink("127.0.0.1", 15000, "telemetry"));
        assertThat(config.features().streamMode()).isEqualTo(StreamMode.DATA_CONNECTION);
        assertThat(config.features().streamWindow()).isEqualTo(1024 * 1024);
        assertThat(config.features().via()).isEqualTo(OutboundProxy.parse("http://proxy:3128"));
    }

    @Test
    void invalidConfig_exitsWith2_namingTheKey_withoutEchoingTheToken() {
        int exit = execute("--appliance", "nowhere", "--device-id", "dev-1", "--token", "s3cret", "--backoff-cap", "x");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("invalid configuration", "appliance: ", "backoff-cap: ", "--backoff-cap")
                .doesNotContain("s3cret");
    }

    @Test
    void missingConfigFile_exitsWith2() {
        int exit = execute("--config", dir.resolve("absent.yaml").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("absent.yaml");
    }

    @Test
    void unknownFlag_isAUsageError() {
        assertThat(execute("--no-such-flag")).isEqualTo(2);
        assertThat(err.toString()).contains("--no-such-flag");
    }

    @Test
    void help_listsEveryFlag_andExitsWith0() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = AgentMain.commandLine();
        commandLine.setOut(new PrintWriter(out));

        assertThat(commandLine.execute("--help")).isZero();
        for (ConfigKey key : ConfigKey.values()) {
            assertThat(out.toString()).contains(key.flag());
        }
    }

    private AgentConfig parse(String... args) throws Exception {
        CommandLine commandLine = AgentMain.commandLine();
        commandLine.parseArgs(args);
        return ((AgentMain) commandLine.getCommand()).resolveConfig();
    }

    private int execute(String... args) {
        CommandLine commandLine = AgentMain.commandLine();
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }
}
