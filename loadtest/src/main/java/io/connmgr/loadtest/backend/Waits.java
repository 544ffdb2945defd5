package io.connmgr.loadtest.backend;

import java.io.IOException;
import java.time.Duration;

/** Bounded polling for the scenarios' set-up steps: a run that cannot get going stops by itself. */
public final class Waits {
    private Waits() {
    }

    @FunctionalInterface
    public interface Check {
        boolean done() throws Exception;
    }

    /**
     * Polls {@code check} every 50 ms until it holds, for at most {@code timeout}; fails at once when the appliance
     * (if given) has exited.
     */
    public static void until(String what, Duration timeout, ApplianceUnderTest appliance, Check check)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (appliance != null && !appliance.isAlive()) {
                throw new IOException("the appliance exited while waiting for " + what + "; see " + appliance.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("gave up waiting for " + what + " after " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
