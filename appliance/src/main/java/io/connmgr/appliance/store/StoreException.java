package io.connmgr.appliance.store;

import java.util.Objects;

/**
 * Failure of the persistent store, classified so callers (and start-up) can react without parsing messages.
 */
public class StoreException extends RuntimeException {

    /** What went wrong, as far as the caller needs to know. */
    public enum Kind {
        /** Another process (or another open in this one) holds the store's lock. */
        LOCKED,
        /** Files or records are damaged. */
        CORRUPT,
        /** Any other I/O failure. */
        IO,
        /** The disk is full; writes fail until space is freed. */
        DISK_FULL,
        /** The store was closed before or during the call. */
        CLOSED,
        /** The store was written by a newer build with a schema this build does not know. */
        INCOMPATIBLE
    }

    private final Kind kind;

    public StoreException(Kind kind, String message) {
        this(kind, message, null);
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** The exception every operation on a closed store throws. */
    public static StoreException closed() {
        return new StoreException(Kind.CLOSED, "the store is closed");
    }
}
