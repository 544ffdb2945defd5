package io.connmgr.appliance;

import io.connmgr.appliance.admin.DeviceDirectory;
import io.connmgr.appliance.admin.DeviceView;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.auth.TokenHash;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.EffectiveSettings;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.wire.ReasonCode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The admin API's view of devices: live tiers from the connection manager, the rest from the store. */
final class DeviceDirectoryService implements DeviceDirectory {
    private static final long REQUEST_TIMEOUT_SECONDS = 10;
    private final ConnectionManager manager;
    private final ApplianceStore store;
    private final ApplianceConfig config;
    private final BooleanSupplier ready;

    DeviceDirectoryService(ConnectionManager manager, ApplianceStore store, ApplianceConfig config,
                           BooleanSupplier ready) {
        this.manager = manager;
        this.store = store;
        this.config = config;
        this.ready = ready;
    }

    @Override
    public TierCounts counts() {
        return new TierCounts(manager.active(), manager.idle(), manager.sleeping(), manager.disconnected());
    }

    @Override
    public Optional<DeviceView> device(String deviceId) {
        Optional<DeviceSession> awake = manager.awakeSession(deviceId);
        if (awake.isPresent()) {
            return Optional.of(view(awake.get()));
        }
        Optional<SessionRecord> record = manager.storedSession(deviceId);
        if (record.isPresent()) {
            return Optional.of(view(record.get()));
        }
        return store.loadDevice(deviceId).map(d -> new DeviceView(deviceId, Tier.DISCONNECTED, d.createdAtMillis(), 0,
                0, null, true, effective(overrides(deviceId)), overrides(deviceId), 0, 0));
    }

    @Override
    public Page list(Tier tier, int limit, String cursor) {
        List<DeviceView> out = new ArrayList<>();
        String after = cursor;
        while (out.size() < limit) {
            // Merge the awake table with stored sessions and provisioned devices, in id order, one batch at a time.
            TreeSet<String> ids = new TreeSet<>(manager.awakeIdsAfter(after, limit));
            store.listSessions(after, limit).forEach(r -> ids.add(r.deviceId()));
            store.listDevices(after, limit).forEach(d -> ids.add(d.deviceId()));
            if (ids.isEmpty()) {
                return new Page(out, null);
            }
            for (String id : ids) {
                if (out.size() == limit) {
                    return new Page(out, out.getLast().deviceId());
                }
                after = id;
                device(id).filter(v -> tier == null || v.tier() == tier).ifPresent(out::add);
            }
        }
        return new Page(out, out.isEmpty() ? null : out.getLast().deviceId());
    }

    @Override
    public TierRequestResult requestTier(String deviceId, Tier target) {
        if (manager.tierOf(deviceId) == Tier.DISCONNECTED && manager.storedSession(deviceId).isEmpty()
                && store.loadDevice(deviceId).isEmpty()) {
            return TierRequestResult.UNKNOWN_DEVICE;
        }
        try {
            return manager.requestTier(deviceId, target, TierCause.ADMIN).get(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("tier change of " + deviceId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean disconnect(String deviceId) {
        return manager.disconnect(deviceId, ReasonCode.ADMIN_DISCONNECT);
    }

    @Override
    public String provision(String deviceId) {
        return provision(store, deviceId);
    }

    /** Creates or re-keys a device; the token is returned once and only its hash is kept. */
    static String provision(ApplianceStore store, String deviceId) {
        String token = SecretFiles.newToken();
        store.putDevice(new DeviceRecord(deviceId, TokenHash.of(token.getBytes(StandardCharsets.US_ASCII)),
                System.currentTimeMillis()));
        return token;
    }

    @Override
    public boolean ready() {
        return ready.getAsBoolean() && manager.accepting();
    }

    private DeviceView view(DeviceSession s) {
        return new DeviceView(s.deviceId(), s.tier(), s.tierSinceMillis(), s.lastActivityMillis(),
                s.connectedAtMillis(), s.remoteAddress(), store.loadDevice(s.deviceId()).isPresent(),
                toView(s.settings(), s.keepAliveSeconds()), s.overrides(), s.lastUplinkSeq(), s.lastDownlinkSeq());
    }

    private DeviceView view(SessionRecord r) {
        Tier tier = manager.tierOf(r.deviceId());
        DeviceSettings overrides = overrides(r.deviceId());
        return new DeviceView(r.deviceId(), tier, r.sinceMillis(), r.lastActivityMillis(), r.connectedAtMillis(),
                r.remoteAddress(), store.loadDevice(r.deviceId()).isPresent(),
                toView(EffectiveSettings.of(config, overrides), r.keepAliveSeconds()), overrides,
                r.lastUplinkSeq(), r.lastDownlinkSeq());
    }

    private DeviceSettings overrides(String deviceId) {
        return store.loadSettings(deviceId).orElse(DeviceSettings.NONE);
    }

    private DeviceView.EffectiveSettings effective(DeviceSettings overrides) {
        return toView(EffectiveSettings.of(config, overrides));
    }

    private static DeviceView.EffectiveSettings toView(EffectiveSettings e) {
        return toView(e, 0);
    }

    /** Shows the keep-alive negotiated with the device when there is one, else the configured one. */
    private static DeviceView.EffectiveSettings toView(EffectiveSettings e, int negotiatedKeepAliveSeconds) {
        return new DeviceView.EffectiveSettings(e.idleAfterMillis(), e.sleepAfterMillis(),
                negotiatedKeepAliveSeconds > 0 ? negotiatedKeepAliveSeconds * 1000L : e.keepAliveMillis(),
                e.alwaysActive());
    }
}
