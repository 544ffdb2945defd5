package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One storm, resolved from the command line.
 *
 * @param devices        devices connected before the storm
 * @param mode           what takes them all away at once
 * @param kill           restart mode: SIGKILL (a crash) rather than SIGTERM (a planned restart, with GOAWAYs)
 * @param connectRate    devices per second of the first connect; 0 = as fast as the workers' windows allow
 * @param connectTimeout longest wait for the first connect
 * @param hold           quiet time with all devices connected before the storm (the baseline)
 * @param timeout        longest wait for all devices to come back
 * @param tail           sampling after all are back, so the series shows the settled state
 * @param sampleInterval time between two samples
 * @param workers        device protocol options (the protocol itself is the target's)
 * @param workDir        logs of the servers and workers
 */
record StormSettings(int devices, StormMode mode, boolean kill, double connectRate, Duration connectTimeout,
                     Duration hold, Duration timeout, Duration tail, Duration sampleInterval,
                     LiveWorkers.Options workers, Path workDir) {

    enum StormMode { RESTART, DROP }
}
