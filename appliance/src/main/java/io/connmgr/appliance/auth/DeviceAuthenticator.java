package io.connmgr.appliance.auth;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.protocol.wire.ReasonCode;

import java.util.Optional;

/**
 * Decides whether a HELLO's credential is valid for its device id. A revoked device is refused whatever it presents;
 * otherwise a fleet-signed token (current key, or the previous one during a rotation's overlap) is accepted for any
 * device id, provisioned or not, and a provisioned device's own token is checked against its stored hash. May read
 * the store: never call on an event loop.
 */
public final class DeviceAuthenticator {
    private final FleetKeys fleetKeys;
    private final ApplianceStore store;
    private final DeviceRevocations revocations;

    public DeviceAuthenticator(FleetKeys fleetKeys, ApplianceStore store, DeviceRevocations revocations) {
        this.fleetKeys = fleetKeys;
        this.store = store;
        this.revocations = revocations;
    }

    /** Empty when accepted, else the reason to refuse. */
    public Optional<ReasonCode> check(String deviceId, byte[] credential) {
        if (revocations.isRevoked(deviceId)) {
            return Optional.of(ReasonCode.REVOKED);
        }
        if (fleetKeys.verify(deviceId, credential) != FleetKeys.Match.NONE) {
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

    /** Refusals that count against the source address's failure budget. */
    public static boolean isCredentialFailure(ReasonCode reason) {
        return reason == ReasonCode.BAD_CREDENTIALS || reason == ReasonCode.UNKNOWN_DEVICE
                || reason == ReasonCode.REVOKED;
    }
}
