package io.connmgr.loadtest.scenario;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the running scenario was invoked: the arguments after any scenario file was merged in (what a report records as
 * its command, so a run can be repeated without the file) and the file, if any.
 */
public final class Invocation {
    private static volatile Path scenarioFile;

    private Invocation() {
    }

    /** Set by the entry point before the command runs; null when no scenario file was used. */
    public static void scenarioFile(Path file) {
        scenarioFile = file;
    }

    public static Path scenarioFile() {
        return scenarioFile;
    }

    /**
     * {@code bin/cm loadtest} and the arguments the command parsed (the scenario file's options included), each quoted
     * for a POSIX shell where it needs to be, so the joined line can be pasted to run again.
     */
    public static List<String> command(CommandSpec spec) {
        List<String> cmd = new ArrayList<>(List.of("bin/cm", "loadtest"));
        if (spec.root().commandLine() != null && spec.root().commandLine().getParseResult() != null) {
            spec.root().commandLine().getParseResult().originalArgs().forEach(a -> cmd.add(shellQuote(a)));
        } else {
            cmd.add(spec.name());
        }
        return cmd;
    }

    /** The argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
    public static String shellQuote(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /**
     * Every option of the command and its value (defaults included), by long name without dashes, in JSON-friendly
     * form: durations as {@code 500ms}/{@code 10s}/{@code 2m}, paths and enums as text. The scenario file is
     * {@code scenario}.
     */
    public static Map<String, Object> parameters(CommandSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp() || o.longestName().equals(ScenarioArgs.OPTION)) {
                continue;
            }
            m.put(o.longestName().replaceFirst("^-+", ""), plain(o.getValue()));
        }
        if (scenarioFile != null) {
            m.put("scenario", scenarioFile.toString());
        }
        return m;
    }

    static Object plain(Object v) {
        return switch (v) {
            case null -> null;
            case Number n -> n;
            case Boolean b -> b;
            case Duration d -> duration(d);
            case Enum<?> e -> e.name();
            case Collection<?> c -> c.stream().map(Invocation::plain).toList();
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
                yield out;
            }
            default -> String.valueOf(v);
        };
    }

    /** The shortest of {@code 2m}, {@code 10s}, {@code 500ms} that is exact. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
