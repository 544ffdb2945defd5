package io.connmgr.appliance.backend;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.tier.ConnectionManager;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Auto-determination of whether a device needs its persistent connection (seed FIG 25, docs/protocol.md section
 * 6.11): the proxy's own direct attempts ({@code stream.DirectFirst}) and back-end servers that tried to reach a
 * device directly report each attempt; after {@code threshold} consecutive failures the device is taken to be behind
 * a firewall or NAT and its {@code persistent_required} setting is set, so its next WELCOME asks it to stay
 * connected. A success resets the count. Counts are kept in memory (bounded); the decision is stored with the
 * device's settings.
 */
public final class DirectReachability {
    private static final Logger log = LoggerFactory.getLogger(DirectReachability.class);
    private static final int MAX_TRACKED_DEVICES = 1_000_000;

    private final ConnectionManager manager;
    private final ApplianceStore store;
    private final int threshold;
    private final Cache<String, AtomicInteger> failures =
            Caffeine.newBuilder().maximumSize(MAX_TRACKED_DEVICES).build();

    private final Counter marked;

    public DirectReachability(ConnectionManager manager, ApplianceStore store, int threshold, MeterRegistry registry) {
        this.manager = manager;
        this.store = store;
        this.threshold = threshold;
        this.marked = Counter.builder("cm.direct.persistent.required")
                .description("Devices marked persistent_required after direct-fail-threshold failed direct attempts")
                .register(registry);
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
        boolean[] newlyMarked = {false};
        return manager.updateSettings(deviceId, s -> {
                    if (Boolean.TRUE.equals(s.persistentRequired())) {
                        return s;
                    }
                    newlyMarked[0] = true;
                    return new DeviceSettings(s.idleAfterMillis(), s.sleepAfterMillis(), s.keepAliveMillis(),
                            s.alwaysActive(), Boolean.TRUE);
                })
                .thenApply(s -> {
                    if (newlyMarked[0]) {
                        marked.increment();
                        log.info("device {}: {} direct connection attempts failed in a row; marked "
                                + "persistent_required, its next connection is told to stay connected", deviceId, count);
                    }
                    return new Verdict(count, true);
                });
    }
}
