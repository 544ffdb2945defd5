package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Closes a device's connection (the device gets GOAWAY and may reconnect). */
final class DeviceConnectionRoute {
    private final DeviceDirectory directory;

    DeviceConnectionRoute(DeviceDirectory directory) {
        this.directory = directory;
    }

    AdminResponse disconnect(AdminRequest request) {
        String deviceId = request.deviceId();
        if (!directory.disconnect(deviceId)) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_connected",
                    "device '" + deviceId + "' has no connection");
        }
        return AdminResponse.noContent();
    }
}
