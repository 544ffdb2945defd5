package io.connmgr.appliance.messaging;

import io.connmgr.appliance.session.DeviceSession;

import java.util.ArrayDeque;

/**
 * The sending side of one awake session's downlink queue. Confined to the session's event loop; the queue itself is
 * in the store, and this holds only what has been sent and not yet acknowledged (sequence numbers, not payloads).
 */
final class Outbox {
    final DeviceSession session;
    /** Fingerprint of the session's resume token: numbering in the store belongs to one session. */
    final long sessionTag;
    final ArrayDeque<Long> inFlightSeqs = new ArrayDeque<>();
    long lastLoadedPosition;
    boolean loading;
    boolean again;
    boolean closed;

    Outbox(DeviceSession session, long sessionTag) {
        this.session = session;
        this.sessionTag = sessionTag;
    }
}
