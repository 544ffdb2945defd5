package io.connmgr.appliance.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * The persisted part of a device session: what is needed to resume it after sleep, disconnect or restart.
 *
 * @param deviceId           the device the session belongs to (also the store key)
 * @param deviceKey          the appliance's numeric key for the device
 * @param resumeToken        secret the device presents to resume; exactly {@value #RESUME_TOKEN_LENGTH} bytes
 * @param state              SLEEPING or DISCONNECTED
 * @param sinceMillis        when the session entered {@code state}
 * @param lastActivityMillis last real traffic (keep-alives do not count)
 * @param remoteAddress      the device's last remote address, or null when unknown
 * @param lastUplinkSeq      last sequence number received from the device
 * @param lastDownlinkSeq    last sequence number sent to the device
 * @param connectedAtMillis  when the device's current connection was established
 * @param keepAliveSeconds   keep-alive interval negotiated with the device, 1 to {@value #MAX_KEEP_ALIVE_SECONDS};
 *                           0 when unknown
 */
public record SessionRecord(String deviceId, long deviceKey, byte[] resumeToken, SessionState state,
        long sinceMillis, long lastActivityMillis, String remoteAddress,
        long lastUplinkSeq, long lastDownlinkSeq, long connectedAtMillis, int keepAliveSeconds) {

    public static final int RESUME_TOKEN_LENGTH = 16;

    /** The largest keep-alive interval: the protocol carries it in 16 bits. */
    public static final int MAX_KEEP_ALIVE_SECONDS = 65_535;

    public SessionRecord {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(resumeToken, "resumeToken");
        Objects.requireNonNull(state, "state");
        if (resumeToken.length != RESUME_TOKEN_LENGTH) {
            throw new IllegalArgumentException(
                    "resumeToken must be " + RESUME_TOKEN_LENGTH + " bytes, was " + resumeToken.length);
        }
        if (keepAliveSeconds < 0 || keepAliveSeconds > MAX_KEEP_ALIVE_SECONDS) {
            throw new IllegalArgumentException("keepAliveSeconds must be 0 (unknown) to " + MAX_KEEP_ALIVE_SECONDS
                    + ", was " + keepAliveSeconds);
        }
        // Copied so that a record, once made, cannot change under a cache or a store.
        resumeToken = resumeToken.clone();
    }

    @Override
    public byte[] resumeToken() {
        return resumeToken.clone();
    }

    // Records compare arrays by identity; sessions are compared by content (caches, tests, change detection).
    @Override
    public boolean equals(Object o) {
        return o instanceof SessionRecord other
                && deviceId.equals(other.deviceId)
                && deviceKey == other.deviceKey
                && Arrays.equals(resumeToken, other.resumeToken)
                && state == other.state
                && sinceMillis == other.sinceMillis
                && lastActivityMillis == other.lastActivityMillis
                && Objects.equals(remoteAddress, other.remoteAddress)
                && lastUplinkSeq == other.lastUplinkSeq
                && lastDownlinkSeq == other.lastDownlinkSeq
                && connectedAtMillis == other.connectedAtMillis
                && keepAliveSeconds == other.keepAliveSeconds;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(deviceId, deviceKey, state, sinceMillis, lastActivityMillis, remoteAddress,
                lastUplinkSeq, lastDownlinkSeq, connectedAtMillis, keepAliveSeconds);
        return 31 * h + Arrays.hashCode(resumeToken);
    }

    /** Never prints the resume token: it is a credential and toString ends up in logs. */
    @Override
    public String toString() {
        return "SessionRecord[deviceId=" + deviceId + ", deviceKey=" + deviceKey + ", state=" + state
                + ", sinceMillis=" + sinceMillis + ", lastActivityMillis=" + lastActivityMillis
                + ", remoteAddress=" + remoteAddress + ", lastUplinkSeq=" + lastUplinkSeq
                + ", lastDownlinkSeq=" + lastDownlinkSeq + ", connectedAtMillis=" + connectedAtMillis
                + ", keepAliveSeconds=" + keepAliveSeconds + ", resumeToken=<" + RESUME_TOKEN_LENGTH + " bytes>]";
    }
}
