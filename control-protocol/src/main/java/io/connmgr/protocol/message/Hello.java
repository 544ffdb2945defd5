package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.Objects;

/**
 * First frame from a device: who it is, how it proves it, and how it wants to be kept alive.
 *
 * @param version           protocol version the device speaks
 * @param keepAliveSeconds  keep-alive interval the device asks for; 0 lets the appliance choose
 * @param capabilities      {@link Capabilities} bit set
 * @param deviceId          UTF-8, 1..128 bytes
 * @param credential        the device token, 0..255 bytes
 * @param resumeToken       empty, or the 16-byte token a previous WELCOME gave
 * @param onDemand          the device runs on demand: it connects when it has something to do and disconnects after,
 *                          unless a WELCOME asks it to {@link Welcome#stayConnected() stay connected}
 * @param directAddress     where servers may reach the device directly, or {@code null} when it announces none
 * @param deliveredDownlinkSeq with a resume token: the highest downlink MSG seq the device has delivered to its
 *                          application (an ACK carried in HELLO, so the appliance replays only what is missing);
 *                          {@link #NO_DELIVERED_SEQ} when the device does not say
 */
public record Hello(int version, int keepAliveSeconds, int capabilities, String deviceId, byte[] credential,
                    byte[] resumeToken, boolean onDemand, DirectAddress directAddress, long deliveredDownlinkSeq)
        implements Frame {

    /** HELLO flags bit 0: the device operates on demand. */
    public static final int FLAG_ON_DEMAND = 1;
    /** HELLO flags bit 1: a direct address follows the resume token. */
    public static final int FLAG_DIRECT_ADDRESS = 1 << 1;
    /** HELLO flags bit 2: the delivered downlink seq (u64) is the last field. */
    public static final int FLAG_DELIVERED_SEQ = 1 << 2;
    /** Every flag bit version 1 defines; the others are reserved and must be zero. */
    public static final int KNOWN_FLAGS = FLAG_ON_DEMAND | FLAG_DIRECT_ADDRESS | FLAG_DELIVERED_SEQ;
    /** {@link #deliveredDownlinkSeq()} when the HELLO does not carry one. */
    public static final long NO_DELIVERED_SEQ = -1;

    public Hello {
        Objects.requireNonNull(deviceId, "deviceId");
        credential = credential == null ? new byte[0] : credential;
        resumeToken = resumeToken == null ? new byte[0] : resumeToken;
        if (deliveredDownlinkSeq < NO_DELIVERED_SEQ) {
            throw new IllegalArgumentException("deliveredDownlinkSeq must be -1 (none) or at least 0");
        }
    }

    /** Without a delivered downlink seq. */
    public Hello(int version, int keepAliveSeconds, int capabilities, String deviceId, byte[] credential,
                 byte[] resumeToken, boolean onDemand, DirectAddress directAddress) {
        this(version, keepAliveSeconds, capabilities, deviceId, credential, resumeToken, onDemand, directAddress,
                NO_DELIVERED_SEQ);
    }

    /** A persistently connected device that announces no direct address. */
    public Hello(int version, int keepAliveSeconds, int capabilities, String deviceId, byte[] credential,
                 byte[] resumeToken) {
        this(version, keepAliveSeconds, capabilities, deviceId, credential, resumeToken, false, null);
    }

    /** The flags byte these fields make. */
    public int flags() {
        return (onDemand ? FLAG_ON_DEMAND : 0) | (directAddress != null ? FLAG_DIRECT_ADDRESS : 0)
                | (hasDeliveredSeq() ? FLAG_DELIVERED_SEQ : 0);
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    public boolean hasResumeToken() {
        return resumeToken.length > 0;
    }

    public boolean hasDeliveredSeq() {
        return deliveredDownlinkSeq != NO_DELIVERED_SEQ;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hello h && version == h.version && keepAliveSeconds == h.keepAliveSeconds
                && capabilities == h.capabilities && deviceId.equals(h.deviceId)
                && Arrays.equals(credential, h.credential) && Arrays.equals(resumeToken, h.resumeToken)
                && onDemand == h.onDemand && Objects.equals(directAddress, h.directAddress)
                && deliveredDownlinkSeq == h.deliveredDownlinkSeq;
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, keepAliveSeconds, capabilities, deviceId, Arrays.hashCode(credential),
                Arrays.hashCode(resumeToken), onDemand, directAddress, deliveredDownlinkSeq);
    }

    /** Never prints the credential: frames end up in logs. */
    @Override
    public String toString() {
        return ("Hello[version=%d, deviceId=%s, keepAlive=%ds, capabilities=0x%x, resume=%b, onDemand=%b, direct=%s,"
                + " delivered=%d]").formatted(version, deviceId, keepAliveSeconds, capabilities, hasResumeToken(),
                onDemand, directAddress, deliveredDownlinkSeq);
    }
}
