package io.connmgr.appliance.backend;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.tier.ConnectionManager;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Auto-determination of whether a device needs its persistent connection (seed FIG 25): back-end servers that try to
 * reach a device directly report each attempt; after {@code threshold} consecutive failures the device is taken to be
 * behind a firewall or NAT and its {@code persistent_required} setting is set. A success resets the count. Counts are
 * kept in memory (bounded); the decision is stored with the device's settings.
 */
public final class DirectReachability {
    private static final int MAX_TRACKED_DEVICES = 1_000_000;

    private final ConnectionManager manager;
    private final ApplianceStore store;
    private final int threshold;
    private final Cache<String, AtomicInteger> failures =
            Caffeine.newBuilder().maximumSize(MAX_TRACKED_DEVICES).build();

    public DirectReachability(ConnectionManager manager, ApplianceStore store, int threshold) {
        this.manager = manager;
        this.store = store;
        this.threshold = threshold;
    }

    /** @param consecutiveFailures failures since the last success */
    public record Verdict(int consecutiveFailures, boolean persistentRequired) {
    }

    /**
     * Records one direct connection attempt by a server. Completes once a decision is stored. May read the store:
     * call off the event loops.
     */
    public CompletableFuture<Verdict> attempt(String deviceId, boolean succeeded) {
        int count;
        if (succeeded) {
            failures.invalidate(deviceId);
            count = 0;
        } else {
            count = failures.get(deviceId, k -> new AtomicInteger()).incrementAndGet();
        }
        if (count < threshold) {
            boolean required = store.loadSettings(deviceId).map(DeviceSettings::persistentRequired)
                    .orElse(null) == Boolean.TRUE;
            return CompletableFuture.completedFuture(new Verdict(count, required));
        }
        return manager.updateSettings(deviceId, s -> Boolean.TRUE.equals(s.persistentRequired()) ? s
                        : new DeviceSettings(s.idleAfterMillis(), s.sleepAfterMillis(), s.keepAliveMillis(),
                        s.alwaysActive(), Boolean.TRUE))
                .thenApply(s -> new Verdict(count, true));
    }
}
