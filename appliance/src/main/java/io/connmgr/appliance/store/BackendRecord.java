package io.connmgr.appliance.store;

import java.util.Objects;

/**
 * A back-end server's credential: its name and the SHA-256 hash of its token (the token itself is never stored).
 *
 * @param name            1..64 characters of [A-Za-z0-9._-]
 * @param tokenHash       SHA-256 of the token's UTF-8 bytes, 32 bytes
 * @param createdAtMillis when the token was issued
 */
public record BackendRecord(String name, byte[] tokenHash, long createdAtMillis) {
    public BackendRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tokenHash, "tokenHash");
    }

    @Override
    public String toString() {
        return "BackendRecord[name=" + name + ", createdAtMillis=" + createdAtMillis + "]";
    }
}
