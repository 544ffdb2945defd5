package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.auth.DeviceAuthenticator;
import io.connmgr.appliance.auth.FailureLimiter;
import io.connmgr.appliance.backend.DirectAddressBook;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.wire.ReasonCode;

import java.net.SocketAddress;
import java.util.Optional;

/**
 * The blocking part of a handshake: credentials, the device's settings, its previous session, and what it announces
 * about reaching it. Runs off the loop.
 */
public final class HandshakeService {
    private final DeviceAuthenticator authenticator;
    private final ApplianceStore store;
    private final DirectAddressBook directAddresses;
    private final FailureLimiter failures;

    /** @param failures failed credentials per source address; over its limit a HELLO gets RATE_LIMITED unread */
    public HandshakeService(DeviceAuthenticator authenticator, ApplianceStore store,
                            DirectAddressBook directAddresses, FailureLimiter failures) {
        this.authenticator = authenticator;
        this.store = store;
        this.directAddresses = directAddresses;
        this.failures = failures;
    }

    /**
     * @param refusal  null when accepted
     * @param previous the stored session of this device, if any
     */
    public record Verdict(ReasonCode refusal, DeviceSettings overrides, Optional<SessionRecord> previous) {
    }

    /**
     * @param source    the client's address ({@link io.connmgr.appliance.transport.ClientAddress#of})
     * @param certified the device id the connection's client certificate names (mutual TLS), or null when the
     *                  connection has no client certificate. A certificate must name the HELLO's device id, else
     *                  BAD_CREDENTIALS; it then stands for the credential, which the device may leave empty; a
     *                  credential it sends anyway is checked as usual (docs/protocol.md section 8).
     */
    public Verdict check(Hello hello, SocketAddress source, String certified) {
        if (!failures.allow(source)) {
            return new Verdict(ReasonCode.RATE_LIMITED, DeviceSettings.NONE, Optional.empty());
        }
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
            if (DeviceAuthenticator.isCredentialFailure(refusal.get())) {
                failures.failed(source);
            }
            return new Verdict(refusal.get(), DeviceSettings.NONE, Optional.empty());
        }
        directAddresses.announced(hello);
        DeviceSettings overrides = store.loadSettings(hello.deviceId()).orElse(DeviceSettings.NONE);
        return new Verdict(null, overrides, store.loadSession(hello.deviceId()));
    }
}
