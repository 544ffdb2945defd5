package io.connmgr.appliance.admission;

import io.connmgr.appliance.session.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Decides which new connections may start a handshake now, so that a fleet returning at once is admitted at a rate
 * the appliance sustains and the rest is told when to come back (GOAWAY(OVERLOADED) with a reconnect-after from
 * {@link AdmissionLimiter}) instead of being queued on the heap or refused into the devices' own backoff.
 *
 * <p>Two limits: the number of connections between accept and WELCOME ({@code max-pending-handshakes}, checked at
 * accept, before anything is read) and the rate of HELLOs ({@code admission-rate}, checked when the HELLO has been
 * decoded, before any store or session work; data connections are not rate-limited, they belong to a device
 * already admitted). With {@code admission-accept-pause} the listener stops accepting while the pending limit is
 * reached and starts again below half of it: the kernel's accept backlog then holds the excess.
 */
public final class AdmissionControl {
    /** Returned by {@link #admitHello()} when the handshake may go ahead. */
    public static final long ADMITTED = -1;

    private final AdmissionLimiter limiter;
    private final int maxPending;
    private final int resumeAcceptBelow;
    private final boolean pauseAccept;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean acceptPaused = new AtomicBoolean();
    private final AdmissionMetrics metrics;

    AdmissionControl(AdmissionLimiter limiter, int maxPending, boolean pauseAccept, MeterRegistry registry) {
        this.limiter = limiter;
        this.maxPending = maxPending;
        this.resumeAcceptBelow = maxPending / 2;
        this.pauseAccept = pauseAccept;
        this.metrics = new AdmissionMetrics(registry, this);
    }

    /** Admission as configured, on the appliance's clock, sized for this machine's cores where asked. */
    public static AdmissionControl create(AdmissionOptions options, int maxPendingHandshakes, TimeSource time,
                                          MeterRegistry registry) {
        // Not thread-safe, and need not be: the limiter draws from it under its lock.
        return create(options, maxPendingHandshakes, time, new SplittableRandom(), registry);
    }

    /** As {@link #create(AdmissionOptions, int, TimeSource, MeterRegistry)}, with the random source given (tests). */
    public static AdmissionControl create(AdmissionOptions options, int maxPendingHandshakes, TimeSource time,
                                          RandomGenerator random, MeterRegistry registry) {
        int rate = options.effectiveRate(Runtime.getRuntime().availableProcessors());
        return new AdmissionControl(new AdmissionLimiter(rate, options.effectiveBurst(rate),
                options.deferMax().toMillis(), time, random), maxPendingHandshakes, options.pauseAccept(), registry);
    }

    /**
     * A connection was accepted: true when it holds a handshake slot (give it back with {@link #leave}), false when
     * the pending limit is reached and it is to be sent away with {@link #deferMillis()}.
     */
    public boolean enter(Channel ch) {
        int now = pending.incrementAndGet();
        if (now > maxPending) {
            pending.decrementAndGet();
            metrics.deferred(AdmissionMetrics.DeferReason.PENDING);
            return false;
        }
        if (pauseAccept && now >= maxPending) {
            pauseAccepting(ch.parent());
        }
        return true;
    }

    /** A connection gave its handshake slot back (WELCOME, refusal, timeout or close). */
    public void leave(Channel ch) {
        if (pending.decrementAndGet() <= resumeAcceptBelow && acceptPaused.get()) {
            resumeAccepting(ch.parent());
        }
    }

    /** A HELLO was decoded: {@link #ADMITTED}, or the reconnect-after in ms to send it away with. */
    public long admitHello() {
        if (limiter.tryAdmit()) {
            metrics.admitted();
            return ADMITTED;
        }
        metrics.deferred(AdmissionMetrics.DeferReason.RATE);
        return limiter.deferMillis();
    }

    /** A reconnect-after for a connection sent away by the pending limit. */
    public long deferMillis() {
        return limiter.deferMillis();
    }

    public int pendingHandshakes() {
        return pending.get();
    }

    public boolean acceptPaused() {
        return acceptPaused.get();
    }

    AdmissionLimiter limiter() {
        return limiter;
    }

    private void pauseAccepting(Channel listener) {
        if (listener == null || !acceptPaused.compareAndSet(false, true)) {
            return;
        }
        metrics.acceptPaused();
        listener.config().setAutoRead(false);
        // Every slot may have been given back between the count and the pause; nobody would resume it then.
        if (pending.get() <= resumeAcceptBelow) {
            resumeAccepting(listener);
        }
    }

    private void resumeAccepting(Channel listener) {
        if (listener != null && acceptPaused.compareAndSet(true, false)) {
            listener.config().setAutoRead(true);
        }
    }
}
