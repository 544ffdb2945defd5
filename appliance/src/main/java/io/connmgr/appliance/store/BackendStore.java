package io.connmgr.appliance.store;

import java.util.List;
import java.util.Optional;

/**
 * Back-end credentials with an index from token hash to name, kept in step by atomic, fsync'ed writes. Calls block on
 * disk I/O; thread-safe.
 */
public interface BackendStore {

    Optional<BackendRecord> load(String name);

    /** Creates or replaces the back-end; a replaced token's index entry goes in the same write. */
    void put(BackendRecord backend);

    /** @return whether it existed */
    boolean delete(String name);

    /** Every back-end in name order (an appliance has a handful). */
    List<BackendRecord> list();

    /** The back-end whose token hashes to {@code tokenHash}. */
    Optional<String> nameForTokenHash(byte[] tokenHash);
}
