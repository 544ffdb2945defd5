package io.connmgr.loadtest.density;

import java.util.List;

/**
 * Appliance flags that make every connected device settle in one tier. The keep-alive is long so no device is closed
 * as silent while it sends no PINGs; the awake limit is high so the performance monitor never sends anyone to sleep
 * early.
 */
public enum TierSetup {
    ACTIVE("0s", "0s"),
    IDLE("1s", "0s"),
    SLEEP("1s", "2s");

    private final String idleAfter;
    private final String sleepAfter;

    TierSetup(String idleAfter, String sleepAfter) {
        this.idleAfter = idleAfter;
        this.sleepAfter = sleepAfter;
    }

    public List<String> applianceFlags() {
        return List.of("--idle-after", idleAfter, "--sleep-after", sleepAfter, "--sweep-interval", "1s",
                "--keep-alive", "20m", "--keep-alive-max", "30m", "--silent-keepalives", "3",
                "--pressure-max-awake", "10000000", "--drain-deadline", "5s", "--eviction-rate", "50000");
    }
}
