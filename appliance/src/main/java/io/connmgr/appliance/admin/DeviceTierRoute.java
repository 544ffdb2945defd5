package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Asks the connection manager to move a connected device to another tier. */
final class DeviceTierRoute {
    private final DeviceDirectory directory;

    DeviceTierRoute(DeviceDirectory directory) {
        this.directory = directory;
    }

    AdminResponse requestTier(AdminRequest request) {
        String deviceId = request.deviceId();
        Tier target = targetTier(AdminJson.requiredString(AdminJson.readObject(request.body()), "tier"));
        return switch (directory.requestTier(deviceId, target)) {
            case ACCEPTED -> AdminResponse.json(HttpResponseStatus.ACCEPTED,
                    new TierChange(deviceId, target.name(), "accepted"));
            case ALREADY -> AdminResponse.json(HttpResponseStatus.OK,
                    new TierChange(deviceId, target.name(), "already"));
            case NOT_CONNECTED -> throw new ApiException(HttpResponseStatus.CONFLICT, "not_connected",
                    "device '" + deviceId + "' is not connected");
            case UNKNOWN_DEVICE -> throw ApiException.unknownDevice(deviceId);
            case NOT_ALLOWED -> throw new ApiException(HttpResponseStatus.UNPROCESSABLE_ENTITY, "not_allowed",
                    "device '" + deviceId + "' cannot be moved to " + target.name() + " now");
        };
    }

    /** DISCONNECTED is a state a device falls into, not one to ask for: disconnecting has its own endpoint. */
    private static Tier targetTier(String text) {
        Tier tier = Tier.parse(text);
        if (tier == null || tier == Tier.DISCONNECTED) {
            throw ApiException.badRequest("tier must be one of ACTIVE, IDLE, SLEEP"
                    + " (to disconnect, DELETE /v1/devices/{id}/connection)");
        }
        return tier;
    }

    record TierChange(String deviceId, String tier, String result) {
    }
}
