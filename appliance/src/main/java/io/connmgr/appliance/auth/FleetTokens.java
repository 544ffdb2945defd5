package io.connmgr.appliance.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Fleet-signed device tokens: lowercase hex of HMAC-SHA256(fleet key, device id). A fleet of millions can then connect
 * without a provisioning step per device: whoever holds the fleet key mints tokens.
 */
public final class FleetTokens {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public FleetTokens(byte[] fleetKey) {
        this.key = new SecretKeySpec(fleetKey, ALGORITHM);
    }

    public String mint(String deviceId) {
        return HexFormat.of().formatHex(sign(deviceId));
    }

    /** Constant-time check of a presented credential. */
    public boolean verify(String deviceId, byte[] credential) {
        byte[] expected = mint(deviceId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, credential);
    }

    private byte[] sign(String deviceId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(deviceId.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
