package io.connmgr.appliance.auth;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.protocol.wire.ReasonCode;

import java.util.Optional;

/**
 * Decides whether a HELLO's credential is valid for its device id. A provisioned device's own token is checked first;
 * a fleet-signed token is accepted for any device id, provisioned or not. May read the store: never call on an event
 * loop.
 */
public final class DeviceAuthenticator {
    private final FleetTokens fleetTokens;
    private final ApplianceStore store;

    public DeviceAuthenticator(FleetTokens fleetTokens, ApplianceStore store) {
        this.fleetTokens = fleetTokens;
        this.store = store;
    }

    /** Empty when accepted, else the reason to refuse. */
    public Optional<ReasonCode> check(String deviceId, byte[] credential) {
        if (fleetTokens.verify(deviceId, credential)) {
            return Optional.empty();
        }
        Optional<DeviceRecord> device = store.loadDevice(deviceId);
        if (device.isEmpty()) {
            return Optional.of(ReasonCode.UNKNOWN_DEVICE);
        }
        return TokenHash.matches(credential, device.get().tokenHash())
                ? Optional.empty()
                : Optional.of(ReasonCode.BAD_CREDENTIALS);
    }
}
