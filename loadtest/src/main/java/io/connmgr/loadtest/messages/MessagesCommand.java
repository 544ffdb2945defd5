package io.connmgr.loadtest.messages;

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
 * {@code cm loadtest messages}: downlink push throughput to ACTIVE devices with N awaiting durable acceptance, and
 * end-to-end latency from the back-end's send to the device's listener; then the same one at a time.
 */
@Command(name = "messages", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Downlink message throughput to active devices (durable acceptance) and end-to-end latency.")
public final class MessagesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--messages", description = "messages pushed in the throughput phase (default ${DEFAULT-VALUE})")
    int messages = 50_000;

    @Option(names = "--in-flight", description = "messages awaiting acceptance at once (default ${DEFAULT-VALUE})")
    int inFlight = 256;

    @Option(names = "--serial-messages", description = "messages pushed one at a time afterwards; 0 skips that "
            + "phase (default ${DEFAULT-VALUE})")
    int serial = 1000;

    @Option(names = "--duration", defaultValue = "5m", converter = DurationOption.class, description = "time bound of each phase's sending (default ${DEFAULT-VALUE})")
    Duration duration = Duration.ofMinutes(5);

    @Option(names = "--payload-bytes", description = "bytes per message, at least 16 (default ${DEFAULT-VALUE})")
    int payloadBytes = 64;

    @Option(names = "--delivery-wait", defaultValue = "60s", converter = DurationOption.class, description = "how long to wait for accepted messages to reach their devices "
            + "(default ${DEFAULT-VALUE})")
    Duration deliveryWait = Duration.ofSeconds(60);

    @Option(names = "--uplinks", description = "uplink messages sent by the devices afterwards, each measured until "
            + "its ACK (the appliance journals it with fsync first); 0 skips that phase (default ${DEFAULT-VALUE})")
    int uplinks = 10_000;

    @Option(names = "--out", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path out = Path.of("messages-report.json");

    @Override
    public Integer call() throws Exception {
        MessagesScenario.Settings settings = settings();
        Map<String, Object> params = new LinkedHashMap<>(common.parameters());
        params.putAll(settings.toMap());
        Report report = new Report("messages", CommandLines.of(spec), params);
        report.note("devices", "devices are DeviceClient instances in the load generator's process, all ACTIVE "
                + "(SET_ALWAYS_ACTIVE); the appliance runs in its own process");
        report.note("acceptance", "a send is accepted once the appliance stored it durably (fsync, group commit); "
                + "end-to-end latency is from the send to the device's listener");
        Deliveries deliveries = new Deliveries();
        boolean healthy;
        try (BackendSession s = BackendSession.open(common, "cm-messages-", false, MessagesScenario.APPLIANCE_FLAGS,
                DeviceFleet.Spec.plain(common.devices, "msg", common.deviceThreads, deliveries::onMessage))) {
            MessagesScenario.run(s, deliveries, settings, report);
            healthy = s.finish(report);
        }
        System.out.println("report: " + report.write(out).toAbsolutePath());
        return healthy ? 0 : 1;
    }

    MessagesScenario.Settings settings() {
        if (payloadBytes < Deliveries.HEADER) {
            throw new IllegalArgumentException("--payload-bytes must be at least " + Deliveries.HEADER);
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("--in-flight must be at least 1");
        }
        return new MessagesScenario.Settings(messages, inFlight, duration, serial, payloadBytes, deliveryWait, uplinks);
    }
}
