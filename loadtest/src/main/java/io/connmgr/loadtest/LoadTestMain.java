package io.connmgr.loadtest;

import io.connmgr.loadtest.backend.BackendLatencyCommand;
import io.connmgr.loadtest.density.DensityCommand;
import io.connmgr.loadtest.fleet.FleetWorkerCommand;
import io.connmgr.loadtest.hold.HoldCommand;
import io.connmgr.loadtest.messages.MessagesCommand;
import io.connmgr.loadtest.overload.OverloadCommand;
import io.connmgr.loadtest.relay.RelayCommand;
import io.connmgr.loadtest.report.CompareCommand;
import io.connmgr.loadtest.report.HtmlCommand;
import io.connmgr.loadtest.scenario.Invocation;
import io.connmgr.loadtest.scenario.RunCommand;
import io.connmgr.loadtest.scenario.ScenarioArgs;
import io.connmgr.loadtest.soak.SoakCommand;
import io.connmgr.loadtest.storm.StormCommand;
import io.connmgr.loadtest.wake.WakeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Entry point of {@code bin/cm loadtest SCENARIO}. */
@Command(name = "cm loadtest", mixinStandardHelpOptions = true,
        description = "Load-test scenarios against a real appliance process.",
        subcommands = {HoldCommand.class, StormCommand.class, WakeCommand.class, MessagesCommand.class,
                RelayCommand.class, SoakCommand.class, DensityCommand.class, BackendLatencyCommand.class,
                OverloadCommand.class,
                CompareCommand.class, HtmlCommand.class, RunCommand.class, FleetWorkerCommand.class})
public final class LoadTestMain implements Runnable {

    /** Under its usual name, client-agent's logback.xml would also be on the class path and win at random. */
    public static final String LOGBACK_CONFIG = "loadtest-logback.xml";

    /** Subcommands that are tools, not scenarios: they take no scenario file. */
    private static final Set<String> NOT_SCENARIOS = Set.of("compare", "html", "run", "fleet-worker");

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        System.exit(execute(args));
    }

    /** Runs one invocation, with any {@code --scenario FILE} merged in; returns the exit code. */
    public static int execute(String... args) {
        return execute(args, null);
    }

    /** @param scenarioFile the file {@code run} read the arguments from, or null */
    public static int execute(String[] args, Path scenarioFile) {
        CommandLine cl = commandLine();
        ScenarioArgs.Expanded expanded;
        try {
            expanded = ScenarioArgs.expand(cl, List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("cm loadtest: " + e.getMessage());
            return 2;
        }
        Invocation.scenarioFile(expanded.file() != null ? expanded.file() : scenarioFile);
        return cl.execute(expanded.args().toArray(String[]::new));
    }

    /** The command tree: every subcommand, scenario commands with {@code --scenario FILE}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LoadTestMain());
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!NOT_SCENARIOS.contains(sub.getCommandName())) {
                ScenarioArgs.addOption(sub);
            }
        }
        cl.getSubcommands().get("run").setUnmatchedOptionsArePositionalParams(true);
        return cl;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
