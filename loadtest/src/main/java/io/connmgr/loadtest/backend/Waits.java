package io.connmgr.loadtest.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

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
        until(what, timeout, appliance == null ? () -> true : appliance::isAlive,
                appliance == null ? null : appliance.log(), check);
    }

    /** The same for a process that is not yet an {@link ApplianceUnderTest}: {@code alive} says whether it runs. */
    public static void until(String what, Duration timeout, BooleanSupplier alive, Path log, Check check)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (!alive.getAsBoolean()) {
                throw new IOException("the appliance exited while waiting for " + what + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("gave up waiting for " + what + " after " + timeout
                        + (log == null ? "" : "; see " + log));
            }
            Thread.sleep(50);
        }
    }
}
