package io.connmgr.agent;

import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.config.AgentConfigLoader;
import io.connmgr.agent.config.AgentConfigLoader.Setting;
import io.connmgr.agent.config.ConfigException;
import io.connmgr.agent.config.ConfigKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bin/cm agent}: keeps this device connected to the appliance until stopped (SIGTERM closes it gracefully).
 * Exit codes: 0 normal end, 2 usage or configuration error.
 *
 * <p>No logger is touched before the configuration is read, because the log level it names must be in place before
 * logback starts.
 */
@Command(name = "cm agent", sortOptions = false, usageHelpAutoWidth = true,
        description = "Keeps this device connected to the connection-manager appliance.%n"
                + "Settings come from --config FILE (YAML, same key names as the flags below); flags override the file.%n"
                + "DURATION: 500ms, 30s, 5m, 1h, or a bare number of seconds.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "2:usage or configuration error, or a link address cannot be bound"})
public final class AgentMain implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;
    /** Read by logback.xml, so it must be set before the first logger is created. */
    static final String LOG_LEVEL_PROPERTY = "cm.log.level";

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    private boolean help;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with any of the settings below")
    private Path config;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with one flag per {@link ConfigKey}, generated so that no key can lack its flag. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new AgentMain());
        for (ConfigKey key : ConfigKey.values()) {
            OptionSpec.Builder option = OptionSpec.builder(key.flag())
                    .paramLabel(key.paramLabel())
                    .description(key.description())
                    .type(key.repeatable() ? String[].class : String.class)
                    .arity("1");
            if (key.optionalValue()) {
                option.arity("0..1").fallbackValue("true"); // --on-demand alone means --on-demand=true
            }
            commandLine.getCommandSpec().addOption(option.build());
        }
        return commandLine;
    }

    @Override
    public Integer call() {
        AgentConfig agentConfig;
        try {
            agentConfig = resolveConfig();
        } catch (ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("cm agent: invalid configuration, not starting:");
            e.problems().forEach(problem -> err.println("  " + problem));
            err.flush();
            return EXIT_CONFIG;
        }
        System.setProperty(LOG_LEVEL_PROPERTY, agentConfig.logLevel());
        Agent agent = new Agent(agentConfig, extensions(agentConfig));
        try {
            agent.start();
        } catch (IllegalStateException e) {
            // A link's local address cannot be bound (in use, not ours): as fatal as a bad setting.
            PrintWriter err = spec.commandLine().getErr();
            err.println("cm agent: cannot start: " + e.getMessage());
            err.flush();
            agent.close();
            return EXIT_CONFIG;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "cm-agent-shutdown"));
        agent.whenClosed().join();
        return 0;
    }

    /** The settings file, then the flags on top, validated together. */
    AgentConfig resolveConfig() throws ConfigException {
        Map<ConfigKey, Setting> fromFile = config == null ? Map.of() : AgentConfigLoader.readYaml(config);
        Map<ConfigKey, Setting> fromFlags = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            Object value = spec.findOption(key.flag()).getValue();
            if (value instanceof String[] values && values.length > 0) {
                fromFlags.put(key, new Setting(List.of(values), key.flag()));
            } else if (value instanceof String single) {
                fromFlags.put(key, new Setting(single, key.flag()));
            }
        }
        return AgentConfigLoader.resolve(fromFile, fromFlags);
    }

    /** Features beside the control connection that the library does not provide itself. */
    private static List<AgentExtension> extensions(AgentConfig agentConfig) {
        return List.of(new CommandFeatures(agentConfig));
    }
}
