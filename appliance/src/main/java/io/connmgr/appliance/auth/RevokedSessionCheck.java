package io.connmgr.appliance.auth;

import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;

import java.util.function.Predicate;

/**
 * Closes the gap between a HELLO's credential check and its admission: a device revoked in between would otherwise
 * be welcomed after the revocation had looked for its connection and found none. Every session that becomes awake
 * (after WELCOME, or woken from SLEEP) is checked against the revocations, and a revoked one is ended with GOAWAY
 * REVOKED at once. A set lookup on the event loop; nothing else.
 */
public final class RevokedSessionCheck implements SessionObserver {
    private final DeviceRevocations revocations;
    private final Predicate<String> endConnection;

    /** @param endConnection ends the device's live connection with GOAWAY REVOKED */
    public RevokedSessionCheck(DeviceRevocations revocations, Predicate<String> endConnection) {
        this.revocations = revocations;
        this.endConnection = endConnection;
    }

    @Override
    public void awake(DeviceSession session, int deviceCapabilities) {
        if (revocations.isRevoked(session.deviceId())) {
            endConnection.test(session.deviceId());
        }
    }
}
