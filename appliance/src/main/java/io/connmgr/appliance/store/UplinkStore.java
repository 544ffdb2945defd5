package io.connmgr.appliance.store;

import java.util.List;
import java.util.Objects;

/**
 * The uplink journal: every MSG a device sent that the appliance acknowledged, in the order it was accepted, until
 * every durable consumer (the webhook) has taken it. Calls block on disk I/O. Appends need a single writer (the
 * journal service runs them on one thread); reads and cursor commits may come from any thread.
 *
 * <p>Positions are assigned by the store: 1, 2, 3, ... across all devices, never reused, so a consumer's cursor is
 * one number.
 */
public interface UplinkStore {

    /**
     * Appends the entries that are new, in one atomic write with fsync, together with each device's highest accepted
     * sequence number: when this returns they survive a crash or power cut. An entry whose {@code (sessionTag, seq)}
     * is at or below what the store already holds for its device is a resend of a message already journaled and is
     * skipped, so the journal holds each message once however often the device resends it.
     *
     * @return the entries actually appended, with their positions, in order
     */
    List<StoredUplink> append(List<Uplink> entries);

    /** The device's highest journaled sequence number and the session it belongs to; {@link DeviceSeq#NONE} if none. */
    DeviceSeq lastSeq(String deviceId);

    /** Up to {@code limit} journaled messages with position greater than {@code after}, in position order. */
    List<StoredUplink> read(long after, int limit);

    /** The position a consumer has taken everything up to; 0 when it never committed. */
    long cursor(String consumer);

    /** Records that {@code consumer} has taken everything up to {@code position}. Write-ahead-logged. */
    void commitCursor(String consumer, long position);

    /** Deletes journaled messages with position at most {@code position} (all consumers have taken them). */
    void trim(long position);

    /** The highest position ever assigned; 0 in an empty journal. */
    long lastPosition();

    /** A message as a device sent it, about to be journaled. */
    record Uplink(String deviceId, long sessionTag, long seq, long receivedAtMillis, byte[] payload) {
        public Uplink {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(payload, "payload");
        }
    }

    /** A journaled message. */
    record StoredUplink(long position, String deviceId, long seq, long receivedAtMillis, byte[] payload) {
    }

    /** The highest sequence number journaled for a device in the session {@code sessionTag}. */
    record DeviceSeq(long sessionTag, long seq) {
        public static final DeviceSeq NONE = new DeviceSeq(0, 0);

        /** The journaled seq if it belongs to the session, else 0. */
        public long inSession(long tag) {
            return tag == sessionTag ? seq : 0;
        }
    }
}
