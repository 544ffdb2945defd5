package io.connmgr.loadtest.overload;

import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.CommandLines;
import io.connmgr.loadtest.backend.CommonOptions;
import io.connmgr.loadtest.backend.DurationOption;
import io.connmgr.loadtest.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cm loadtest overload}: baseline, then {@code --factor} times the load at the bad spots, then baseline. */
@Command(name = "overload", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Baseline RPCs and messages, then --factor times the load (floods to hot devices, RPCs and "
                + "messages to devices that stopped reading, streams whose back-end stopped reading), then baseline "
                + "again; reports what the other devices' RPCs, the appliance's memory and readiness went through.")
public final class OverloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--rate", description = "baseline RPCs per second to the fleet (default ${DEFAULT-VALUE})")
    double rate = 100;

    @Option(names = "--message-rate", description = "baseline messages per second to the fleet (default ${DEFAULT-VALUE})")
    double messageRate = 100;

    @Option(names = "--factor", description = "overload = this many times the baseline calls (default ${DEFAULT-VALUE})")
    int factor = 10;

    @Option(names = "--hot", description = "devices the floods and streams aim at (default ${DEFAULT-VALUE})")
    int hot = 5;

    @Option(names = "--stalled", description = "extra devices that never read (default ${DEFAULT-VALUE})")
    int stalled = 20;

    @Option(names = "--streams", description = "streams whose back-end never reads (default ${DEFAULT-VALUE})")
    int streams = 50;

    @Option(names = "--baseline", converter = DurationOption.class, description = "baseline phase (default 20s)")
    Duration baseline = Duration.ofSeconds(20);

    @Option(names = "--overload", converter = DurationOption.class, description = "overload phase (default 30s)")
    Duration overload = Duration.ofSeconds(30);

    @Option(names = "--recovery", converter = DurationOption.class, description = "recovery phase (default 20s)")
    Duration recovery = Duration.ofSeconds(20);

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("overload-report.json");

    @Override
    public Integer call() throws Exception {
        OverloadScenario.Settings settings = new OverloadScenario.Settings(rate, messageRate, factor, hot, stalled,
                streams, baseline, overload, recovery);
        Map<String, Object> params = new LinkedHashMap<>(common.parameters());
        params.putAll(settings.toMap());
        Report report = new Report("overload", CommandLines.of(spec), params);
        boolean healthy;
        try (StalledStreams firehose = new StalledStreams();
             BackendSession s = BackendSession.open(common, "cm-overload-", true, OverloadScenario.APPLIANCE_FLAGS,
                     OverloadScenario.fleetSpec(common.devices, common.deviceThreads, firehose.firehosePort()))) {
            boolean ready = OverloadScenario.run(s, firehose, settings, report);
            healthy = s.finish(report) && ready;
        }
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return healthy ? 0 : 1;
    }
}
