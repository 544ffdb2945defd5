package io.connmgr.agent.control;

import io.netty.util.concurrent.Ticker;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The attempt counter behind {@link ReconnectPolicy}: grows with each failure and starts over once a connection has
 * proved stable. A session that is welcomed and dropped at once does not reset it, so an appliance that accepts and
 * immediately closes does not pull the device into a tight loop. Confined to the client's event loop.
 */
final class Backoff {
    private static final long NOT_CONNECTED = Long.MIN_VALUE;

    private final ReconnectPolicy policy;
    private final RandomGenerator random;
    private final Ticker ticker;
    private int attempt;
    private long connectedAtNanos = NOT_CONNECTED;

    Backoff(ReconnectPolicy policy, RandomGenerator random, Ticker ticker) {
        this.policy = policy;
        this.random = random;
        this.ticker = ticker;
    }

    /** A session was established now. */
    void connected() {
        connectedAtNanos = ticker.nanoTime();
    }

    /** Delay before the next attempt after an ordinary failure or loss. */
    Duration afterFailure() {
        return policy.delay(nextAttempt(), random);
    }

    /** Delay after a refusal that retrying soon cannot fix. */
    Duration afterPermanentRejection() {
        nextAttempt();
        return policy.permanentFailureDelay(random);
    }

    /**
     * Delay after a GOAWAY that asked the device to stay away for at least {@code hint}. It counts as an attempt, so a
     * failure after it backs off further, but the delay itself is the hint and its jitter only.
     */
    Duration afterGoAway(Duration hint) {
        nextAttempt();
        return policy.goAwayDelay(hint, random);
    }

    /** Attempt number the next failure will use (0 right after a stable connection). */
    int attempt() {
        return attempt;
    }

    private int nextAttempt() {
        if (connectedAtNanos != NOT_CONNECTED
                && policy.isStable(Duration.ofNanos(ticker.nanoTime() - connectedAtNanos))) {
            attempt = 0;
        }
        connectedAtNanos = NOT_CONNECTED;
        int current = attempt;
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        return current;
    }
}
