package io.connmgr.appliance.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connmgr.appliance.auth.FleetKeys;
import io.connmgr.appliance.config.Durations;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Shows and rotates the fleet key (admin token only). A rotation answers with the new key, the one time it leaves the
 * appliance other than through the data dir; the status shows fingerprints only.
 */
final class FleetKeyRoutes {
    private static final Logger log = LoggerFactory.getLogger(FleetKeyRoutes.class);
    static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);

    private final FleetKeys keys;

    FleetKeyRoutes(FleetKeys keys) {
        this.keys = keys;
    }

    AdminResponse status(AdminRequest request) {
        FleetKeys.Status s = keys.status();
        return AdminResponse.json(HttpResponseStatus.OK, new Status(s.fingerprint(),
                s.previousFingerprint() == null ? null
                        : new Previous(s.previousFingerprint(), s.previousExpiresAt().toString())));
    }

    AdminResponse rotate(AdminRequest request) {
        Duration overlap = overlap(request.body());
        FleetKeys.Rotation r;
        try {
            r = keys.rotate(overlap);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        log.info("fleet key rotated: new key {}, previous key {} verifies until {}", r.fingerprint(),
                r.previousFingerprint(), r.previousExpiresAt());
        return AdminResponse.json(HttpResponseStatus.OK, new Rotated(r.key(), r.fingerprint(),
                        new Previous(r.previousFingerprint(), r.previousExpiresAt().toString())))
                .withHeader(HttpHeaderNames.CACHE_CONTROL.toString(), HttpHeaderValues.NO_STORE.toString());
    }

    /** {@code {"overlap":"24h"}}; an empty body means the default overlap. */
    private static Duration overlap(byte[] body) {
        if (body.length == 0) {
            return DEFAULT_OVERLAP;
        }
        ObjectNode json = AdminJson.readObject(body);
        if (json.isEmpty()) {
            return DEFAULT_OVERLAP;
        }
        String text = AdminJson.requiredString(json, "overlap");
        return Durations.parse(text.strip(), false).orElseThrow(() -> ApiException.badRequest(
                "overlap must be a duration such as 30m, 24h or 7d (0s ends the old key at once)"));
    }

    record Previous(String fingerprint, String expiresAt) {
    }

    record Status(String fingerprint, Previous previous) {
    }

    record Rotated(String fleetKey, String fingerprint, Previous previous) {
        @Override
        public String toString() {
            return "Rotated[fleetKey=<redacted>, fingerprint=" + fingerprint + ", previous=" + previous + "]";
        }
    }
}
