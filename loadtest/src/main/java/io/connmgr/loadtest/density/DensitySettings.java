package io.connmgr.loadtest.density;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Everything a density run needs to know, resolved from the command line. */
record DensitySettings(Path repoRoot, List<Integer> devices, int devicesPerWorker, long fileLimit,
                       List<String> applianceJvmOptions, List<String> workerJvmOptions,
                       List<String> extraApplianceFlags, long pingsPerWindow, Duration pingWindow, int wakes,
                       Duration wakeGap, Duration settleTimeout, Duration settlePause, double clockTicksPerSecond) {
}
