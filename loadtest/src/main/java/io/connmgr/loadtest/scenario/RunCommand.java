package io.connmgr.loadtest.scenario;

import io.connmgr.loadtest.LoadTestMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cm loadtest run FILE.yaml [options]}: runs the scenario the file names, with its options. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the scenario a YAML file describes: its 'scenario:' key names the command (hold, ...), its "
                + "other keys are that command's long option names. Options after the file override the file's.",
                "Example: bin/cm loadtest run hold-15k.yaml --devices 2000"})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.yaml", description = "the scenario file")
    Path file;

    @Parameters(index = "1..*", paramLabel = "OPTION", description = "options of the scenario, winning over the file")
    List<String> options = new ArrayList<>();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine root = spec.root().commandLine();
        List<String> args;
        try {
            args = ScenarioArgs.forRun(root, file, options);
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("run: " + e.getMessage());
            return 2;
        }
        return LoadTestMain.execute(args.toArray(String[]::new), file);
    }
}
