package io.connmgr.protocol.client;

import io.connmgr.protocol.backend.EventFilter;

/** A live subscription; it is renewed on every reconnect until closed. */
public interface Subscription extends AutoCloseable {
    EventFilter filter();

    /** Stops the events (sends UNSUBSCRIBE when connected). */
    @Override
    void close();
}
