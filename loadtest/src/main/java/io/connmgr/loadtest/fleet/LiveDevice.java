package io.connmgr.loadtest.fleet;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A device that behaves like one left alone: it connects, keeps its session alive with a probe every keep-alive
 * interval (jittered, so a fleet that connected together does not probe together), and when the connection ends it
 * comes back by itself after the agent's full-jitter backoff, or after a GOAWAY's reconnect-after plus that backoff.
 * A device the fleet {@link #drop() drops} comes back at once. Once the fleet has a keep-alive schedule of its own
 * ({@link LiveFleet#keepAlive}), the device probes on that instead of its session's keep-alive.
 *
 * <p>Confined to the fleet's event loop. One timer at a time: the handshake deadline while connecting, the next
 * keep-alive while up, the next attempt while waiting.
 */
final class LiveDevice {
    private enum State { WAITING, CONNECTING, UP, STOPPED }

    private static final long NONE = -1;

    private final LiveFleet fleet;
    private final String id;
    private final InetSocketAddress source;
    private final Object protocolState;
    private Runnable firstOutcome;
    private State state = State.WAITING;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private int attempt;
    private long upSinceNanos = NONE;
    private long downSinceNanos = NONE;
    private long goAwayHintMillis = NONE;
    private long keepAliveNanos;
    private boolean comeBackAtOnce;

    /** @param firstOutcome run once, when the first attempt either succeeds or fails (frees a ramp slot) */
    LiveDevice(LiveFleet fleet, String id, InetSocketAddress source, Object protocolState, Runnable firstOutcome) {
        this.fleet = fleet;
        this.id = id;
        this.source = source;
        this.protocolState = protocolState;
        this.firstOutcome = firstOutcome;
    }

    String id() {
        return id;
    }

    Object protocolState() {
        return protocolState;
    }

    InetSocketAddress source() {
        return source;
    }

    boolean isUp() {
        return state == State.UP;
    }

    void connect() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.CONNECTING;
        goAwayHintMillis = NONE;
        fleet.counters.attempts++;
        ChannelFuture f = fleet.open(this);
        Channel ch = f.channel();
        channel = ch;
        // Every ending (refused connect, handshake timeout, server close, our own close) passes here once.
        ch.closeFuture().addListener(x -> ended(ch));
        f.addListener(r -> {
            if (!r.isSuccess()) {
                ch.close();
            }
        });
        timer = fleet.loop().schedule(() -> {
            if (channel == ch && state == State.CONNECTING) {
                fleet.counters.handshakeTimeouts++;
                ch.close();
            }
        }, fleet.handshakeTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    /** The session is established (WELCOME, CONNACK). */
    void up(Channel ch, long keepAliveMillis, boolean resumed) {
        if (ch != channel || state != State.CONNECTING) {
            return;
        }
        cancelTimer();
        long now = System.nanoTime();
        state = State.UP;
        upSinceNanos = now;
        fleet.counters.connected++;
        if (resumed) {
            fleet.counters.resumed++;
        }
        if (downSinceNanos != NONE) {
            fleet.reconnected(now - downSinceNanos);
            downSinceNanos = NONE;
        }
        settleFirstOutcome();
        fleet.checkFull();
        keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(keepAliveMillis);
        scheduleKeepAlive(firstKeepAliveDelay());
    }

    /**
     * The fleet's keep-alive schedule changed ({@link LiveFleet#keepAlive}): an established device drops its pending
     * probe and starts over on the new schedule, at a random point of the first interval.
     */
    void keepAliveChanged() {
        if (state != State.UP) {
            return;
        }
        cancelTimer();
        scheduleKeepAlive(firstKeepAliveDelay());
    }

    /** The server refused the session (REJECT, a refusing CONNACK): counts, and ends the connection. */
    void refused(Channel ch, String why) {
        if (ch != channel) {
            return;
        }
        fleet.counters.rejects++;
        fleet.noteProblem(id + ": " + why);
        ch.close();
    }

    /**
     * The server ends the session, or answers the HELLO in place of WELCOME (it defers the attempt: admission
     * control, docs/protocol.md 6.1), and says when to come back.
     */
    void goAway(Channel ch, long reconnectAfterMillis) {
        if (ch != channel) {
            return;
        }
        fleet.counters.goaways++;
        if (state == State.CONNECTING) {
            fleet.counters.deferrals++;
        }
        goAwayHintMillis = reconnectAfterMillis;
        ch.close();
    }

    void pong(Channel ch) {
        fleet.counters.pongs++;
    }

    /** Sends one keep-alive probe now, outside the device's own schedule. False when not connected. */
    boolean pingNow() {
        if (state != State.UP || channel == null || !channel.isActive()) {
            return false;
        }
        fleet.protocol().ping(channel);
        fleet.counters.pings++;
        return true;
    }

    /** Closes an established connection; the device reconnects at once. False when it had none. */
    boolean drop() {
        if (state != State.UP) {
            return false;
        }
        comeBackAtOnce = true;
        channel.close();
        return true;
    }

    void stop() {
        state = State.STOPPED;
        cancelTimer();
        if (channel != null) {
            channel.close();
        }
    }

    private void ended(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        cancelTimer();
        long now = System.nanoTime();
        if (state == State.UP) {
            fleet.counters.connected--;
            fleet.counters.lost++;
            downSinceNanos = now;
            // As the agent does: a connection that lasted starts the backoff over.
            if (now - upSinceNanos >= fleet.policy().stableAfter().toNanos()) {
                attempt = 0;
            }
        } else if (state == State.CONNECTING) {
            fleet.counters.failed++;
            settleFirstOutcome();
        }
        if (state == State.STOPPED) {
            return;
        }
        state = State.WAITING;
        Duration delay;
        if (comeBackAtOnce) {
            comeBackAtOnce = false;
            delay = Duration.ZERO;
        } else if (goAwayHintMillis != NONE) {
            nextAttempt();
            delay = fleet.policy().goAwayDelay(Duration.ofMillis(goAwayHintMillis), fleet.random());
        } else {
            delay = fleet.policy().delay(nextAttempt(), fleet.random());
        }
        timer = fleet.loop().schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private int nextAttempt() {
        int current = attempt;
        if (attempt < 62) {
            attempt++;
        }
        return current;
    }

    /**
     * Time to the next probe, or {@link #NONE}. On the session's own keep-alive: in [0.75, 1.0) of the interval, early
     * enough for the server and spread over the fleet. On the fleet's schedule: its interval ± its jitter.
     */
    private long nextKeepAliveDelay() {
        long interval = fleet.keepAliveNanos();
        if (interval < 0) {
            return keepAliveNanos <= 0 ? NONE : (long) (keepAliveNanos * (0.75 + 0.25 * fleet.random().nextDouble()));
        }
        if (interval == 0) {
            return NONE;
        }
        double spread = fleet.keepAliveJitter() * (2 * fleet.random().nextDouble() - 1);
        return Math.max(1, (long) (interval * (1 + spread)));
    }

    /**
     * The first probe: on the fleet's schedule anywhere in the first interval, so the fleet does not probe in step;
     * on the session's keep-alive as every other.
     */
    private long firstKeepAliveDelay() {
        long interval = fleet.keepAliveNanos();
        return interval <= 0 ? nextKeepAliveDelay() : fleet.random().nextLong(interval);
    }

    private void scheduleKeepAlive(long delayNanos) {
        if (delayNanos == NONE) {
            return;
        }
        timer = fleet.loop().schedule(() -> {
            if (pingNow()) {
                scheduleKeepAlive(nextKeepAliveDelay());
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void settleFirstOutcome() {
        Runnable r = firstOutcome;
        if (r != null) {
            firstOutcome = null;
            r.run();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
