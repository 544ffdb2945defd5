package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.DeviceSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A directory over a sorted map, with knobs for the outcomes the connection manager can report. */
class InMemoryDeviceDirectory implements DeviceDirectory {
    static final DeviceView.EffectiveSettings DEFAULT_SETTINGS =
            new DeviceView.EffectiveSettings(60_000, 600_000, 30_000, false);

    private final ConcurrentSkipListMap<String, DeviceView> devices = new ConcurrentSkipListMap<>();
    private final Map<String, TierRequestResult> tierResults = new ConcurrentHashMap<>();
    private final List<String> tierRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger tokens = new AtomicInteger();
    private volatile boolean ready = true;
    private volatile CountDownLatch lookupGate;
    final CountDownLatch lookupStarted = new CountDownLatch(1);

    static DeviceView view(String id, Tier tier) {
        return new DeviceView(id, tier, 1_700_000_000_000L, 1_700_000_100_000L,
                tier == Tier.DISCONNECTED ? 0 : 1_699_999_000_000L, "192.0.2.7:40001", true, DEFAULT_SETTINGS,
                new DeviceSettings(null, 120_000L, null, null), 17, 4);
    }

    InMemoryDeviceDirectory add(String id, Tier tier) {
        devices.put(id, view(id, tier));
        return this;
    }

    void ready(boolean ready) {
        this.ready = ready;
    }

    void tierResult(String id, TierRequestResult result) {
        tierResults.put(id, result);
    }

    List<String> tierRequests() {
        return tierRequests;
    }

    /** Makes {@link #device} block until the gate opens, like a slow store read. */
    void blockLookupsUntil(CountDownLatch gate) {
        this.lookupGate = gate;
    }

    @Override
    public TierCounts counts() {
        long[] perTier = new long[Tier.values().length];
        devices.values().forEach(v -> perTier[v.tier().ordinal()]++);
        return new TierCounts(perTier[Tier.ACTIVE.ordinal()], perTier[Tier.IDLE.ordinal()],
                perTier[Tier.SLEEP.ordinal()], perTier[Tier.DISCONNECTED.ordinal()]);
    }

    @Override
    public Optional<DeviceView> device(String deviceId) {
        CountDownLatch gate = lookupGate;
        if (gate != null) {
            lookupStarted.countDown();
            try {
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return Optional.ofNullable(devices.get(deviceId));
    }

    @Override
    public Page list(Tier tier, int limit, String cursor) {
        var tail = cursor == null ? devices : devices.tailMap(cursor, false);
        List<DeviceView> page = new ArrayList<>();
        String next = null;
        for (DeviceView view : tail.values()) {
            if (tier != null && view.tier() != tier) {
                continue;
            }
            if (page.size() == limit) {
                next = page.getLast().deviceId();
                break;
            }
            page.add(view);
        }
        return new Page(page, next);
    }

    @Override
    public TierRequestResult requestTier(String deviceId, Tier target) {
        tierRequests.add(deviceId + "->" + target);
        TierRequestResult forced = tierResults.get(deviceId);
        if (forced != null) {
            return forced;
        }
        DeviceView view = devices.get(deviceId);
        if (view == null) {
            return TierRequestResult.UNKNOWN_DEVICE;
        }
        if (view.tier() == Tier.DISCONNECTED) {
            return TierRequestResult.NOT_CONNECTED;
        }
        return view.tier() == target ? TierRequestResult.ALREADY : TierRequestResult.ACCEPTED;
    }

    @Override
    public boolean disconnect(String deviceId) {
        DeviceView view = devices.get(deviceId);
        if (view == null || view.tier() == Tier.DISCONNECTED) {
            return false;
        }
        devices.put(deviceId, view(deviceId, Tier.DISCONNECTED));
        return true;
    }

    @Override
    public String provision(String deviceId) {
        devices.putIfAbsent(deviceId, view(deviceId, Tier.DISCONNECTED));
        return "secret-token-" + tokens.incrementAndGet();
    }

    @Override
    public boolean ready() {
        return ready;
    }
}
