package io.connmgr.loadtest.fleet;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/** Mints device tokens the way the appliance checks them: lowercase hex HMAC-SHA256(fleet key, device id). */
public final class FleetToken {
    private final Mac mac;

    public FleetToken(byte[] fleetKey) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(fleetKey, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Not thread-safe: one instance per minting thread. */
    public byte[] credential(String deviceId) {
        byte[] sig = mac.doFinal(deviceId.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sig).getBytes(StandardCharsets.US_ASCII);
    }
}
