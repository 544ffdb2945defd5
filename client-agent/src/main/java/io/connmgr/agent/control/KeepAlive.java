package io.connmgr.agent.control;

import io.netty.util.concurrent.Ticker;

import java.time.Duration;

/**
 * The keep-alive decision for one connection: on every tick (once per interval) either send a PING or, when nothing
 * at all has been read for {@value #SILENT_INTERVALS} intervals, declare the appliance gone. Any frame counts as a
 * sign of life, not only PONG. Reads time from an injected ticker so tests can advance it by hand.
 */
final class KeepAlive {
    /** How many intervals of silence make a connection dead; one lost PONG must not cost the connection. */
    static final int SILENT_INTERVALS = 3;

    enum Action { PING, DEAD }

    private final Ticker ticker;
    private final Duration interval;
    private final long deadAfterNanos;
    private long lastReadNanos;

    KeepAlive(Ticker ticker, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("keep-alive interval must be positive");
        }
        this.ticker = ticker;
        this.interval = interval;
        this.deadAfterNanos = interval.toNanos() * SILENT_INTERVALS;
        this.lastReadNanos = ticker.nanoTime();
    }

    void frameReceived() {
        lastReadNanos = ticker.nanoTime();
    }

    Action onTick() {
        return ticker.nanoTime() - lastReadNanos >= deadAfterNanos ? Action.DEAD : Action.PING;
    }

    Duration interval() {
        return interval;
    }

    /** How long the appliance has been silent. */
    Duration silence() {
        return Duration.ofNanos(ticker.nanoTime() - lastReadNanos);
    }
}
