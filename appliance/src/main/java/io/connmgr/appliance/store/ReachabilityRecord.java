package io.connmgr.appliance.store;

import java.util.Objects;

/**
 * How a device said it can be reached, from its latest HELLO (docs/protocol.md section 6.11). Kept only for devices
 * that announced something: a persistently connected device without a direct address has no record.
 *
 * @param deviceId          the device (also the store key)
 * @param onDemand          the device runs on demand: it connects when it has something to do
 * @param directAddress     {@code HOST}, {@code HOST:PORT} or {@code [IPV6][:PORT]} as announced, or {@code null}
 * @param announcedAtMillis when the HELLO that announced it arrived
 */
public record ReachabilityRecord(String deviceId, boolean onDemand, String directAddress, long announcedAtMillis) {

    /** Longest direct address: its length travels in one byte. */
    public static final int MAX_DIRECT_ADDRESS_BYTES = 255;

    public ReachabilityRecord {
        Objects.requireNonNull(deviceId, "deviceId");
        if (directAddress != null && (directAddress.isEmpty() || directAddress.length() > MAX_DIRECT_ADDRESS_BYTES
                || !directAddress.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new IllegalArgumentException("direct address must be 1.." + MAX_DIRECT_ADDRESS_BYTES
                    + " printable ASCII characters");
        }
    }

    /** Whether this record says the same as another, ignoring when it was announced. */
    public boolean sameAnnouncement(boolean otherOnDemand, String otherDirectAddress) {
        return onDemand == otherOnDemand && Objects.equals(directAddress, otherDirectAddress);
    }
}
