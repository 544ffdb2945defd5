package io.connmgr.loadtest.scenario;

import io.connmgr.loadtest.LoadTestMain;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationTest {

    @Test
    void theCommandCanBePastedIntoAShellAgain() {
        CommandLine cl = LoadTestMain.commandLine();
        cl.parseArgs("hold", "--devices=300", "--appliance-jvm-opts=-Xms1g -Xmx1g", "--appliance-arg", "it's");
        List<String> cmd = Invocation.command(cl.getSubcommands().get("hold").getCommandSpec());
        assertThat(String.join(" ", cmd)).isEqualTo(
                "bin/cm loadtest hold --devices=300 '--appliance-jvm-opts=-Xms1g -Xmx1g' --appliance-arg 'it'\\''s'");
        assertThat(Invocation.shellQuote("")).isEqualTo("''");
        assertThat(Invocation.shellQuote("/tmp/a.json")).isEqualTo("/tmp/a.json");
    }

    @Test
    void parametersAreEveryOptionInPlainForm() {
        CommandLine cl = LoadTestMain.commandLine();
        cl.parseArgs("hold", "--devices=300", "--keep-alive=90s", "--tiers=SLEEP,IDLE", "--out=/tmp/x");
        Map<String, Object> p = Invocation.parameters(cl.getSubcommands().get("hold").getCommandSpec());
        assertThat(p).containsEntry("devices", 300).containsEntry("keep-alive", "90s")
                .containsEntry("tiers", List.of("SLEEP", "IDLE")).containsEntry("out", "/tmp/x")
                .containsEntry("hold-for", "30s").containsKey("connect-rate")
                .doesNotContainKeys("help", "version", "scenario");
    }

    @Test
    void durationsAreWrittenTheWayTheyAreGiven() {
        assertThat(Invocation.duration(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Invocation.duration(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Invocation.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Invocation.duration(Duration.ZERO)).isEqualTo("0s");
        assertThat(Invocation.plain(Path.of("a/b"))).isEqualTo("a/b");
    }
}
