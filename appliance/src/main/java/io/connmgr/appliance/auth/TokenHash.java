package io.connmgr.appliance.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Tokens are stored as SHA-256 hashes. They are 256-bit random values, so a plain hash cannot be brute-forced and a
 * slow password hash would only cost CPU during reconnect storms.
 */
public final class TokenHash {
    private TokenHash() {
    }

    public static byte[] of(byte[] token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Constant-time comparison of a presented token against a stored hash. */
    public static boolean matches(byte[] presented, byte[] storedHash) {
        return MessageDigest.isEqual(of(presented), storedHash);
    }
}
