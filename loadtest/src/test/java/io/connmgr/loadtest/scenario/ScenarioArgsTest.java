package io.connmgr.loadtest.scenario;

import io.connmgr.loadtest.LoadTestMain;
import io.connmgr.loadtest.density.TierSetup;
import io.connmgr.loadtest.hold.HoldCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioArgsTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("s" + System.nanoTime() + ".yaml"), text);
    }

    /** Parses (without running) what bin/cm loadtest would, and returns the hold command as configured. */
    private static HoldCommand parseHold(List<String> args) {
        CommandLine cl = LoadTestMain.commandLine();
        List<String> expanded = ScenarioArgs.expand(cl, args).args();
        cl.parseArgs(expanded.toArray(String[]::new));
        return cl.getSubcommands().get("hold").getCommand();
    }

    @Test
    void theFileFillsOptionsAndTheCommandLineWins() throws IOException {
        Path file = yaml("""
                scenario: hold
                description: the nightly run
                devices: 2000
                connect-rate: 250
                keep-alive: 30s
                tiers: [SLEEP, IDLE]
                appliance-arg: ["--io-threads=1", "--sweep-interval=2s"]
                keep-logs: true
                live-heap: false
                appliance-jvm-opts: "-Xmx256m -XX:+UseSerialGC"
                """);
        HoldCommand hold = parseHold(List.of("hold", "--scenario", file.toString(), "--devices=500",
                "--tiers", "ACTIVE"));
        assertThat(field(hold, "devices")).isEqualTo(500);                      // command line wins
        assertThat(field(hold, "connectRate")).isEqualTo(250.0);                // from the file
        assertThat(field(hold, "keepAlive")).isEqualTo(Duration.ofSeconds(30));
        assertThat(field(hold, "tiers")).isEqualTo(List.of(TierSetup.ACTIVE));  // not merged with the file's list
        assertThat(field(hold, "applianceArgs")).isEqualTo(List.of("--io-threads=1", "--sweep-interval=2s"));
        assertThat(field(hold, "keepLogs")).isEqualTo(true);
        assertThat(field(hold, "liveHeap")).isEqualTo(false);
        assertThat(field(hold, "applianceJvmOpts")).isEqualTo("-Xmx256m -XX:+UseSerialGC");
    }

    @Test
    void mergeAddsOnlyWhatTheCommandLineLacks() throws IOException {
        CommandLine hold = LoadTestMain.commandLine().getSubcommands().get("hold");
        ScenarioFile f = ScenarioFile.load(yaml("devices: 10\nsteps: 3\nkeep-logs: false\ndevice_port: 9\n"));
        assertThat(ScenarioArgs.merge(hold.getCommandSpec(), f, List.of("--steps", "2")))
                .containsExactly("--devices=10", "--device-port=9", "--steps", "2");
    }

    @Test
    void runPicksTheCommandFromTheFile() throws IOException {
        Path file = yaml("scenario: hold\ndevices: 42\nsteps: 2\n");
        List<String> args = ScenarioArgs.forRun(LoadTestMain.commandLine(), file, List.of("--steps", "1"));
        assertThat(args).containsExactly("hold", "--devices=42", "--steps", "1");
        assertThat(field(parseHold(args), "devices")).isEqualTo(42);
    }

    @Test
    void mistakesAreNamed() throws IOException {
        CommandLine root = LoadTestMain.commandLine();
        Path unknown = yaml("scenario: hold\ndevicez: 5\n");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario", unknown.toString())))
                .hasMessageContaining("'devicez' is not an option of");
        Path other = yaml("scenario: relay\n");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario=" + other)))
                .hasMessageContaining("is a 'relay' scenario, not 'hold'");
        Path noScenario = yaml("devices: 5\n");
        assertThatThrownBy(() -> ScenarioArgs.forRun(root, noScenario, List.of()))
                .hasMessageContaining("no 'scenario:' key").hasMessageContaining("hold");
        Path tool = yaml("scenario: compare\n");
        assertThatThrownBy(() -> ScenarioArgs.forRun(root, tool, List.of())).hasMessageContaining("not a scenario");
        Path list = yaml("scenario: hold\ndevices: [1, 2]\n");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario", list.toString())))
                .hasMessageContaining("takes one value");
        Path flag = yaml("keep-logs: yes please\n");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario", flag.toString())))
                .hasMessageContaining("is a flag");
        Path notYaml = yaml("devices: [1\n");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario", notYaml.toString())))
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> ScenarioArgs.expand(root, List.of("hold", "--scenario", dir + "/none.yaml")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void everyScenarioCommandTakesAFileButToolsDoNot() {
        CommandLine root = LoadTestMain.commandLine();
        assertThat(ScenarioArgs.scenarioNames(root)).contains("hold", "density", "relay", "backend")
                .doesNotContain("compare", "html", "run", "fleet-worker");
        assertThat(root.getSubcommands().get("hold").getUsageMessage()).contains("--scenario=FILE");
    }

    @Test
    void argumentsWithoutAFileAreLeftAlone() {
        CommandLine root = LoadTestMain.commandLine();
        List<String> args = List.of("hold", "--devices", "5");
        assertThat(ScenarioArgs.expand(root, args).args()).isSameAs(args);
        assertThat(ScenarioArgs.expand(root, args).file()).isNull();
    }

    private static Object field(Object o, String name) {
        try {
            var f = o.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
