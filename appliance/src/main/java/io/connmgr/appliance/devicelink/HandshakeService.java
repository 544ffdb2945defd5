package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.auth.DeviceAuthenticator;
import io.connmgr.appliance.backend.DirectAddressBook;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.wire.ReasonCode;

import java.util.Optional;

/**
 * The blocking part of a handshake: credentials, the device's settings, its previous session, and what it announces
 * about reaching it. Runs off the loop.
 */
public final class HandshakeService {
    private final DeviceAuthenticator authenticator;
    private final ApplianceStore store;
    private final DirectAddressBook directAddresses;

    public HandshakeService(DeviceAuthenticator authenticator, ApplianceStore store,
                            DirectAddressBook directAddresses) {
        this.authenticator = authenticator;
        this.store = store;
        this.directAddresses = directAddresses;
    }

    /**
     * @param refusal  null when accepted
     * @param previous the stored session of this device, if any
     */
    public record Verdict(ReasonCode refusal, DeviceSettings overrides, Optional<SessionRecord> previous) {
    }

    public Verdict check(Hello hello) {
        return check(hello, null);
    }

    /**
     * @param certified the device id the connection's client certificate names (mutual TLS), or null when the
     *                  connection has no client certificate. A certificate must name the HELLO's device id, else
     *                  BAD_CREDENTIALS; it then stands for the credential, which the device may leave empty; a
     *                  credential it sends anyway is checked as usual (docs/protocol.md section 8).
     */
    public Verdict check(Hello hello, String certified) {
        Optional<ReasonCode> refusal;
        if (certified == null) {
            refusal = authenticator.check(hello.deviceId(), hello.credential());
        } else if (!certified.equals(hello.deviceId())) {
            refusal = Optional.of(ReasonCode.BAD_CREDENTIALS);
        } else if (hello.credential().length == 0) {
            refusal = Optional.empty();
        } else {
            refusal = authenticator.check(hello.deviceId(), hello.credential());
        }
        if (refusal.isPresent()) {
            return new Verdict(refusal.get(), DeviceSettings.NONE, Optional.empty());
        }
        directAddresses.announced(hello);
        DeviceSettings overrides = store.loadSettings(hello.deviceId()).orElse(DeviceSettings.NONE);
        return new Verdict(null, overrides, store.loadSession(hello.deviceId()));
    }
}
