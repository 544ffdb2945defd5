package io.connmgr.appliance.tier;

import io.connmgr.appliance.session.EffectiveSettings;
import io.connmgr.appliance.session.Tier;

import java.util.concurrent.TimeUnit;

/**
 * The timer rules of the tier state machine, as a pure function so they can be checked under a fake clock. Only
 * application data counts as activity; keep-alives only prove the device is alive.
 */
public final class TierPolicy {

    /** What the sweeper should do with one awake connection. */
    public enum Decision { NONE, TO_IDLE, TO_SLEEP, CLOSE_SILENT }

    private final boolean sleepAvailable;
    private final int silentKeepAlives;

    /**
     * @param sleepAvailable   false where sockets cannot be parked (non-Linux, or sleeping disabled): connections
     *                         then stop at IDLE
     * @param silentKeepAlives keep-alive intervals without a single byte after which a device counts as gone
     */
    public TierPolicy(boolean sleepAvailable, int silentKeepAlives) {
        this.sleepAvailable = sleepAvailable;
        this.silentKeepAlives = silentKeepAlives;
    }

    /**
     * @param serverLinked a server holds a link (stream, RPC) to the device: its timers wait until the link closes
     */
    public Decision decide(Tier tier, EffectiveSettings settings, int keepAliveSeconds, boolean serverLinked,
                           long nowNanos, long lastActivityNanos, long lastSeenNanos) {
        long silentNanos = TimeUnit.SECONDS.toNanos((long) keepAliveSeconds * silentKeepAlives);
        if (nowNanos - lastSeenNanos > silentNanos) {
            return Decision.CLOSE_SILENT;
        }
        if (settings.alwaysActive() || serverLinked || (tier != Tier.ACTIVE && tier != Tier.IDLE)) {
            return Decision.NONE;
        }
        long quietMillis = TimeUnit.NANOSECONDS.toMillis(nowNanos - lastActivityNanos);
        if (sleepAvailable && settings.sleepAfterMillis() > 0 && quietMillis >= settings.sleepAfterMillis()) {
            return Decision.TO_SLEEP;
        }
        if (tier == Tier.ACTIVE && settings.idleAfterMillis() > 0 && quietMillis >= settings.idleAfterMillis()) {
            return Decision.TO_IDLE;
        }
        return Decision.NONE;
    }

    public boolean sleepAvailable() {
        return sleepAvailable;
    }

    public int silentKeepAlives() {
        return silentKeepAlives;
    }
}
