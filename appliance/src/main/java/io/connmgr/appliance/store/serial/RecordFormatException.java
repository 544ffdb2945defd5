package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.StoreException;

/** A stored record that cannot be decoded: unknown format version, truncated, or with invalid fields. */
public final class RecordFormatException extends StoreException {

    public RecordFormatException(String message) {
        super(Kind.CORRUPT, message);
    }
}
