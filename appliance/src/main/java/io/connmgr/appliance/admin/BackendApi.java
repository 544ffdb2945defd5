package io.connmgr.appliance.admin;

import io.connmgr.appliance.backend.BackendRegistry;
import io.connmgr.appliance.backend.DirectReachability;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.messaging.MessagingService;
import io.connmgr.appliance.rpc.RpcService;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.tier.ConnectionManager;

/** The services behind the endpoints back-end servers use: credentials, downlink messages, RPC and settings. */
public record BackendApi(ApplianceConfig config, BackendRegistry backends, MessagingService messaging, RpcService rpc,
                         ConnectionManager manager, ApplianceStore store, DirectReachability reachability) {

    /** Provisioned, or known by a session (fleet-token devices have no device record). Blocks on store reads. */
    boolean knownDevice(String deviceId) {
        return manager.knownDevice(deviceId);
    }

    void requireKnown(String deviceId) {
        if (!knownDevice(deviceId)) {
            throw ApiException.unknownDevice(deviceId);
        }
    }
}
