package io.connmgr.appliance.admin;

import io.connmgr.appliance.auth.BackendConnections;
import io.connmgr.appliance.auth.DeviceRevocations;
import io.connmgr.appliance.auth.FailureLimiter;
import io.connmgr.appliance.auth.FleetKeys;

import java.util.function.Predicate;

/**
 * The credential services behind the admin API's security endpoints: fleet key rotation, device revocation, the live
 * back-end connections that a revoked back-end credential ends, and the admin listener's failure limit.
 *
 * @param endDeviceConnection ends a device's live connection, in any tier, with GOAWAY REVOKED; false if it had none
 */
public record CredentialApi(FleetKeys fleetKeys, DeviceRevocations revocations,
                            Predicate<String> endDeviceConnection, BackendConnections backendConnections,
                            FailureLimiter adminFailures) {
}
