package io.connmgr.loadtest.backend;

import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;

/** The command line a report records: what to type to run the same scenario again. */
public final class CommandLines {
    private CommandLines() {
    }

    public static List<String> of(CommandSpec spec) {
        List<String> cmd = new ArrayList<>(List.of("bin/cm", "loadtest", spec.name()));
        if (spec.commandLine() != null && spec.commandLine().getParseResult() != null) {
            List<String> args = spec.commandLine().getParseResult().originalArgs();
            // Run as a subcommand, the arguments start with the parent's: keep what follows this command's name.
            int own = spec.parent() == null ? -1 : args.indexOf(spec.name());
            cmd.addAll(args.subList(own + 1, args.size()));
        }
        return cmd;
    }
}
