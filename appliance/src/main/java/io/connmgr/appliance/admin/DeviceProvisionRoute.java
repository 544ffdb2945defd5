package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Provisions or re-keys a device. The response is the only place the token ever appears: it is not logged and the
 * store keeps only its hash.
 */
final class DeviceProvisionRoute {
    private final DeviceDirectory directory;

    DeviceProvisionRoute(DeviceDirectory directory) {
        this.directory = directory;
    }

    AdminResponse provision(AdminRequest request) {
        String deviceId = AdminRequest.validDeviceId(
                AdminJson.requiredString(AdminJson.readObject(request.body()), "device_id"));
        String token = directory.provision(deviceId);
        return AdminResponse.json(HttpResponseStatus.CREATED, new Provisioned(deviceId, token))
                .withHeader(HttpHeaderNames.LOCATION.toString(), "/v1/devices/" + pathSegment(deviceId))
                .withHeader(HttpHeaderNames.CACHE_CONTROL.toString(), HttpHeaderValues.NO_STORE.toString());
    }

    /** URLEncoder is form encoding; a path segment wants %20 rather than '+'. */
    private static String pathSegment(String deviceId) {
        return URLEncoder.encode(deviceId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    record Provisioned(String deviceId, String token) {
        @Override
        public String toString() {
            return "Provisioned[deviceId=" + deviceId + ", token=<redacted>]";
        }
    }
}
