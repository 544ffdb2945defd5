package io.connmgr.loadtest.hold;

import java.time.Duration;
import java.util.List;

/** What every target of one hold run is put through, resolved from the command line. */
record HoldSettings(int devices, int steps, double connectRate, Duration keepAlive, double keepAliveJitter,
                    Duration holdFor, Duration quietWindow, Duration sampleInterval, Duration settleTimeout,
                    Duration startPause, Duration stepPause, boolean liveHeap, long fileLimit, int devicesPerWorker,
                    List<String> workerJvmOptions) {
}
