package io.connmgr.appliance.session;

import io.connmgr.protocol.message.Msg;

import java.util.concurrent.CompletableFuture;

/**
 * Where a device's MSG goes before the device gets its ACK: the appliance acknowledges only what survives a crash.
 */
@FunctionalInterface
public interface UplinkJournal {

    /**
     * Journals the message of the session {@code sessionTag}. Completes, on any thread, once it is durable (or was
     * journaled before: a resend), or exceptionally when it could not be taken, {@link Full} when the journal is at
     * its bound; then the device must not be acknowledged.
     */
    CompletableFuture<Void> journal(String deviceId, long sessionTag, Msg msg);

    /** The journal holds as many messages as its consumers may fall behind by: the device has to come back later. */
    final class Full extends RuntimeException {
        public Full(String message) {
            super(message, null, false, false);
        }
    }
}
