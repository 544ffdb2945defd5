package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.messages.Deliveries;
import io.connmgr.loadtest.messages.MessagesScenario;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.wake.WakeScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cm loadtest backend}: {@code wake} (to sleeping, then to active devices) followed by the throughput phase of
 * {@code messages}, on one appliance and one fleet, in one report. Kept so that the command lines docs/benchmarks.md
 * cites still run; the two scenarios on their own have more options.
 */
@Command(name = "backend", mixinStandardHelpOptions = true, sortOptions = false,
        description = "wake (sleeping, then active) and then messages, in one run and one report.")
public final class BackendLatencyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--rpcs", description = "RPCs per tier (default ${DEFAULT-VALUE})")
    long rpcs = 2000;

    @Option(names = "--rate", description = "RPCs per second (default ${DEFAULT-VALUE})")
    double rate = 200;

    @Option(names = "--warmup", description = "unmeasured RPCs before the measured ones (default ${DEFAULT-VALUE})")
    int warmup = 2000;

    @Option(names = "--messages", description = "downlink messages pushed (default ${DEFAULT-VALUE})")
    int messages = 50_000;

    @Option(names = "--in-flight", description = "messages awaiting acceptance at once (default ${DEFAULT-VALUE})")
    int inFlight = 256;

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("backend-report.json");

    @Override
    public Integer call() throws Exception {
        WakeScenario.Settings wake = new WakeScenario.Settings(WakeScenario.Target.both, rate, rpcs, null, warmup,
                Duration.ofSeconds(10), 1000);
        MessagesScenario.Settings push = new MessagesScenario.Settings(messages, inFlight, Duration.ofMinutes(5), 0,
                64, Duration.ofSeconds(60), 0);
        Map<String, Object> params = new LinkedHashMap<>(common.parameters());
        params.putAll(wake.toMap());
        params.putAll(push.toMap());
        Report report = new Report("backend", CommandLines.of(spec), params);
        report.note("scenarios", "wake with --target both, then the throughput phase of messages");
        Deliveries deliveries = new Deliveries();
        List<String> flags = new ArrayList<>(WakeScenario.APPLIANCE_FLAGS);
        flags.addAll(MessagesScenario.APPLIANCE_FLAGS);
        boolean healthy;
        try (BackendSession s = BackendSession.open(common, "cm-backend-", false, flags,
                DeviceFleet.Spec.plain(common.devices, "bench", common.deviceThreads, deliveries::onMessage))) {
            WakeScenario.run(s, wake, report);
            MessagesScenario.run(s, deliveries, push, report);
            healthy = s.finish(report);
        }
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return healthy ? 0 : 1;
    }
}
