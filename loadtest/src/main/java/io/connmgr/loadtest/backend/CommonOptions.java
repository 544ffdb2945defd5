package io.connmgr.loadtest.backend;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options every back-end scenario (wake, messages, soak, backend) shares. */
public final class CommonOptions {

    @Option(names = "--devices", description = "devices, held in this process (default ${DEFAULT-VALUE})")
    public int devices = 200;

    @Option(names = "--device-threads", description = "event-loop threads of the devices (default ${DEFAULT-VALUE})")
    public int deviceThreads = 1;

    @Option(names = "--sample-interval", converter = DurationOption.class, description = "how often the appliance "
            + "is sampled: /proc, /v1/stats, /metrics (default 1s; soak: 5s)")
    public Duration sampleInterval = Duration.ofSeconds(1);

    @Option(names = "--appliance-arg", paramLabel = "--KEY=VALUE",
            description = "extra appliance flag (repeatable), e.g. --appliance-arg=--io-threads=1")
    public List<String> applianceArgs = new ArrayList<>();

    @Option(names = "--appliance-jvm-opts", paramLabel = "OPTS", split = "\\s+",
            description = "JVM options of the appliance process, e.g. \"-Xmx512m\"")
    public List<String> applianceJvmOptions = new ArrayList<>();

    @Option(names = "--repo", description = "repository root (default: found from this program)")
    public Path repo;

    /** The parameters every report of these scenarios carries. */
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("devices", devices);
        m.put("device_threads", deviceThreads);
        m.put("sample_interval_s", sampleInterval.toMillis() / 1000.0);
        m.put("appliance_args", List.copyOf(applianceArgs));
        m.put("appliance_jvm_opts", List.copyOf(applianceJvmOptions));
        return m;
    }
}
