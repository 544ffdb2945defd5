package io.connmgr.appliance.store.rocksdb;

import java.nio.charset.StandardCharsets;

/** The store's column families. Their names are on disk: never rename one. */
enum ColumnFamily {
    SESSIONS("sessions"),
    /** Index from a session's 64-bit device key to its device id; kept in step with SESSIONS by write batches. */
    SESSION_KEYS("session_keys"),
    /** Credentials: hard state, written with fsync. */
    DEVICES("devices"),
    SETTINGS("settings"),
    /** Per-device message queues; created now so that adding them needs no schema change. */
    MESSAGES("messages"),
    /** Store-wide facts such as the schema version. */
    META("meta");

    private final String cfName;

    ColumnFamily(String cfName) {
        this.cfName = cfName;
    }

    /** The name on disk, also used as the {@code cf} metric tag. */
    String cfName() {
        return cfName;
    }

    byte[] nameBytes() {
        return cfName.getBytes(StandardCharsets.UTF_8);
    }
}
