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
    /** Per-device downlink message queues and their meta records (see {@code MessageKeys}). */
    MESSAGES("messages"),
    /** Store-wide facts such as the schema version. */
    META("meta"),
    /** Status records of downlink messages, by device id and message id. */
    MESSAGE_STATUS("message_status"),
    /** Idempotency keys of downlink messages, by device id and key. */
    MESSAGE_KEYS("message_keys"),
    /** Back-end credentials (token hashes), by name: hard state, written with fsync. */
    BACKENDS("backends"),
    /** Index from a back-end token hash to the back-end's name. */
    BACKEND_TOKENS("backend_tokens"),
    /** What each device's latest HELLO announced about reaching it: on demand, direct address. */
    REACHABILITY("reachability"),
    /** The uplink journal: accepted device messages by 8-byte big-endian position, until consumers took them. */
    UPLINKS("uplinks"),
    /** Each device's highest journaled uplink seq (by device id), and the journal consumers' cursors. */
    UPLINK_SEQS("uplink_seqs");

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
