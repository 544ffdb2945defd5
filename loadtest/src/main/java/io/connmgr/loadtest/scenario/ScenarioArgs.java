package io.connmgr.loadtest.scenario;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns a scenario file into command-line arguments, so a file and flags mean exactly the same thing and picocli
 * checks both alike. Each key becomes {@code --key=value} (a list, one per element; a true flag, the bare flag; a false
 * one, nothing, or {@code --no-key} where the flag is negatable; null, nothing), unless the command line already gives that option, because flags on the command line win.
 */
public final class ScenarioArgs {
    /** The option every scenario command takes; removed from the arguments before the command parses them. */
    public static final String OPTION = "--scenario";

    private ScenarioArgs() {
    }

    /** The file's options merged under the command line's, as arguments for {@code command} (its name not included). */
    public static List<String> merge(CommandSpec command, ScenarioFile file, List<String> cmdline) {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Object> e : file.options().entrySet()) {
            String key = e.getKey();
            OptionSpec option = find(command, key);
            if (option == null) {
                throw new IllegalArgumentException(file.path() + ": '" + key + "' is not an option of "
                        + command.qualifiedName() + " (see its --help)");
            }
            if (given(option, cmdline)) {
                continue;
            }
            args.addAll(toArgs(file.path(), option, e.getValue()));
        }
        args.addAll(cmdline);
        return args;
    }

    private static OptionSpec find(CommandSpec command, String key) {
        String name = key.startsWith("-") ? key : "--" + key;
        OptionSpec o = command.findOption(name);
        if (o == null && name.contains("_")) {
            o = command.findOption(name.replace('_', '-'));
        }
        return o;
    }

    /** Whether {@code cmdline} gives {@code option} by any of its names, as {@code --name value} or {@code --name=value}. */
    static boolean given(OptionSpec option, List<String> cmdline) {
        for (String arg : cmdline) {
            if (arg.equals("--")) {
                return false;
            }
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> toArgs(Path file, OptionSpec option, Object value) {
        String name = option.longestName();
        List<String> args = new ArrayList<>();
        if (value == null) {
            return args;
        }
        boolean flag = option.arity().max() == 0;
        if (flag) {
            if (!(value instanceof Boolean b)) {
                throw new IllegalArgumentException(file + ": " + name + " is a flag; give it true or false, not "
                        + value);
            }
            if (b) {
                args.add(name);
            } else if (option.negatable()) {
                // --live-heap defaults to on: false in the file must switch it off
                args.add(name.startsWith("--no-") ? "--" + name.substring(5) : "--no-" + name.substring(2));
            }
            return args;
        }
        if (value instanceof Collection<?> list) {
            if (!option.isMultiValue()) {
                throw new IllegalArgumentException(file + ": " + name + " takes one value, not a list");
            }
            for (Object v : list) {
                args.add(name + "=" + scalar(file, name, v));
            }
            return args;
        }
        if (value instanceof Map<?, ?> map) {
            if (!Map.class.isAssignableFrom(option.type())) {
                throw new IllegalArgumentException(file + ": " + name + " takes a value, not a mapping");
            }
            map.forEach((k, v) -> args.add(name + "=" + k + "=" + scalar(file, name, v)));
            return args;
        }
        args.add(name + "=" + scalar(file, name, value));
        return args;
    }

    private static String scalar(Path file, String name, Object v) {
        if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            throw new IllegalArgumentException(file + ": " + name + " holds a nested structure: " + v);
        }
        return String.valueOf(v);
    }

    /** Arguments after expansion, and the scenario file they came from (null when none). */
    public record Expanded(List<String> args, Path file) {
    }

    /**
     * The arguments of a whole {@code bin/cm loadtest ...} invocation with any {@code --scenario FILE} of a subcommand
     * replaced by the file's options. Arguments without it come back unchanged.
     *
     * @throws IllegalArgumentException when the file is unreadable, names another scenario, or has unknown keys
     */
    public static Expanded expand(CommandLine root, List<String> args) {
        if (args.isEmpty()) {
            return new Expanded(args, null);
        }
        CommandLine sub = root.getSubcommands().get(args.getFirst());
        if (sub == null) {
            return new Expanded(args, null);
        }
        List<String> rest = new ArrayList<>(args.subList(1, args.size()));
        Path file = null;
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals("--")) {
                break;
            }
            if (a.equals(OPTION)) {
                if (i + 1 >= rest.size()) {
                    throw new IllegalArgumentException(OPTION + " needs a file");
                }
                file = Path.of(rest.get(i + 1));
                rest.remove(i + 1);
                rest.remove(i);
                break;
            }
            if (a.startsWith(OPTION + "=")) {
                file = Path.of(a.substring(OPTION.length() + 1));
                rest.remove(i);
                break;
            }
        }
        if (file == null) {
            return new Expanded(args, null);
        }
        ScenarioFile scenario;
        try {
            scenario = ScenarioFile.load(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String name = sub.getCommandName();
        if (scenario.scenario() != null && !scenario.scenario().equals(name)) {
            throw new IllegalArgumentException(file + " is a '" + scenario.scenario() + "' scenario, not '" + name
                    + "'");
        }
        List<String> out = new ArrayList<>();
        out.add(args.getFirst());
        out.addAll(merge(sub.getCommandSpec(), scenario, rest));
        return new Expanded(out, file);
    }

    /** {@code run FILE [flags]}: the file's {@code scenario} picks the command, the flags win over the file. */
    public static List<String> forRun(CommandLine root, Path file, List<String> flags) throws IOException {
        ScenarioFile scenario = ScenarioFile.load(file);
        if (scenario.scenario() == null || scenario.scenario().isBlank()) {
            throw new IllegalArgumentException(file + " has no 'scenario:' key naming the command to run (one of "
                    + scenarioNames(root) + ")");
        }
        CommandLine sub = root.getSubcommands().get(scenario.scenario());
        if (sub == null || sub.getCommandSpec().usageMessage().hidden()
                || !sub.getCommandSpec().optionsMap().containsKey(OPTION)) {
            throw new IllegalArgumentException(file + ": '" + scenario.scenario() + "' is not a scenario (one of "
                    + scenarioNames(root) + ")");
        }
        List<String> out = new ArrayList<>();
        out.add(sub.getCommandName());
        out.addAll(merge(sub.getCommandSpec(), scenario, flags));
        return out;
    }

    /** The commands that take a scenario file. */
    public static List<String> scenarioNames(CommandLine root) {
        return root.getSubcommands().entrySet().stream()
                .filter(e -> e.getKey().equals(e.getValue().getCommandName()))
                .filter(e -> e.getValue().getCommandSpec().optionsMap().containsKey(OPTION))
                .map(Map.Entry::getKey).toList();
    }

    /** Adds {@value #OPTION} to the help of every scenario command (parsing never sees it: {@link #expand} removes it). */
    public static void addOption(CommandLine command) {
        if (command.getCommandSpec().optionsMap().containsKey(OPTION)) {
            return;
        }
        command.getCommandSpec().addOption(OptionSpec.builder(OPTION).paramLabel("FILE").type(Path.class)
                .description("Read options from this YAML file (keys are the long option names); options given on "
                        + "the command line win.").build());
    }
}
