package io.connmgr.loadtest.wake;

import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.CommandLines;
import io.connmgr.loadtest.backend.CommonOptions;
import io.connmgr.loadtest.backend.DurationOption;
import io.connmgr.loadtest.backend.DeviceFleet;
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

/**
 * {@code cm loadtest wake}: back-end RPC latency to sleeping devices (each call wakes one) and, separately, to ACTIVE
 * ones, at a fixed rate with coordinated-omission correction. See docs/loadtest.md.
 */
@Command(name = "wake", mixinStandardHelpOptions = true, sortOptions = false,
        description = "RPC latency (p50/p90/p99/p99.9, coordinated-omission corrected) to random sleeping devices, "
                + "and separately to active ones, at a fixed rate.")
public final class WakeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--target", description = "which devices the RPCs go to: ${COMPLETION-CANDIDATES} "
            + "(default ${DEFAULT-VALUE})")
    WakeScenario.Target target = WakeScenario.Target.both;

    @Option(names = "--rate", description = "RPCs per second (default ${DEFAULT-VALUE})")
    double rate = 200;

    @Option(names = "--rpcs", description = "measured RPCs per target (default 2000 unless --duration is given)")
    Long rpcs;

    @Option(names = "--duration", converter = DurationOption.class, description = "time bound of each target's RPCs, e.g. 30s; with --rpcs the first "
            + "bound reached ends the phase")
    Duration duration;

    @Option(names = "--warmup", description = "unmeasured RPCs before the measured ones, so that the JIT has compiled "
            + "the paths being measured (default ${DEFAULT-VALUE})")
    int warmup = 2000;

    @Option(names = "--rpc-timeout", defaultValue = "10s", converter = DurationOption.class, description = "timeout of each RPC (default ${DEFAULT-VALUE})")
    Duration timeout = Duration.ofSeconds(10);

    @Option(names = "--in-flight", description = "most RPCs outstanding at once; a full window delays sends, which "
            + "the corrected latency shows (default ${DEFAULT-VALUE})")
    int inFlight = 1000;

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("wake-report.json");

    @Override
    public Integer call() throws Exception {
        WakeScenario.Settings settings = settings(target, rate, rpcs, duration, warmup, timeout, inFlight);
        Map<String, Object> params = new LinkedHashMap<>(common.parameters());
        params.putAll(settings.toMap());
        Report report = new Report("wake", CommandLines.of(spec), params);
        report.note("devices", "devices are DeviceClient instances in the load generator's process, echoing each "
                + "RPC body; the appliance runs in its own process with idle-after 1s, sleep-after 2s");
        report.note("latency", "rpc_* latency is from each call's due time on the fixed-rate schedule (coordinated "
                + "omission corrected); rpc_*_service is from the actual send");
        boolean healthy;
        try (BackendSession s = BackendSession.open(common, "cm-wake-", false, WakeScenario.APPLIANCE_FLAGS,
                DeviceFleet.Spec.plain(common.devices, "wake", common.deviceThreads, null))) {
            WakeScenario.run(s, settings, report);
            healthy = s.finish(report);
        }
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return healthy ? 0 : 1;
    }

    static WakeScenario.Settings settings(WakeScenario.Target target, double rate, Long rpcs, Duration duration,
                                          int warmup, Duration timeout, int inFlight) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        long count = rpcs != null ? rpcs : duration == null ? 2000 : 0;
        return new WakeScenario.Settings(target, rate, count, duration, warmup, timeout, inFlight);
    }
}
