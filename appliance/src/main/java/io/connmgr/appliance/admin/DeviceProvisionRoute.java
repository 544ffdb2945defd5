package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Provisions, re-keys and revokes devices. The provisioning response is the only place the token ever appears: it is
 * not logged and the store keeps only its hash. Re-provisioning a revoked device lifts its revocation.
 */
final class DeviceProvisionRoute {
    private static final Logger log = LoggerFactory.getLogger(DeviceProvisionRoute.class);
    private final DeviceDirectory directory;
    /** Null in an appliance without revocation (tests of the admin API alone). */
    private final CredentialApi credentials;

    DeviceProvisionRoute(DeviceDirectory directory, CredentialApi credentials) {
        this.directory = directory;
        this.credentials = credentials;
    }

    AdminResponse provision(AdminRequest request) {
        String deviceId = AdminRequest.validDeviceId(
                AdminJson.requiredString(AdminJson.readObject(request.body()), "device_id"));
        String token = directory.provision(deviceId);
        if (credentials != null && credentials.revocations().reinstate(deviceId)) {
            log.info("device {} re-provisioned: its revocation is lifted", deviceId);
        }
        return AdminResponse.json(HttpResponseStatus.CREATED, new Provisioned(deviceId, token))
                .withHeader(HttpHeaderNames.LOCATION.toString(), "/v1/devices/" + pathSegment(deviceId))
                .withHeader(HttpHeaderNames.CACHE_CONTROL.toString(), HttpHeaderValues.NO_STORE.toString());
    }

    /**
     * Revokes the device's credentials, its own token and any fleet-signed one: its live connection ends at once with
     * GOAWAY REVOKED, in whichever tier it is, and later HELLOs get REJECT REVOKED until it is provisioned again.
     */
    AdminResponse revoke(AdminRequest request) {
        String deviceId = request.deviceId();
        boolean newly = credentials.revocations().revoke(deviceId);
        boolean ended = credentials.endDeviceConnection().test(deviceId);
        log.info("device {} revoked{}; live connection {}", deviceId, newly ? "" : " (again)",
                ended ? "ended" : "none");
        return AdminResponse.json(HttpResponseStatus.OK, new Revoked(deviceId, ended));
    }

    record Revoked(String deviceId, boolean connectionEnded) {
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
