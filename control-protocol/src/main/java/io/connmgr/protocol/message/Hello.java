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
 */
public record Hello(int version, int keepAliveSeconds, int capabilities, String deviceId, byte[] credential,
                    byte[] resumeToken) implements Frame {

    public Hello {
        Objects.requireNonNull(deviceId, "deviceId");
        credential = credential == null ? new byte[0] : credential;
        resumeToken = resumeToken == null ? new byte[0] : resumeToken;
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    public boolean hasResumeToken() {
        return resumeToken.length > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hello h && version == h.version && keepAliveSeconds == h.keepAliveSeconds
                && capabilities == h.capabilities && deviceId.equals(h.deviceId)
                && Arrays.equals(credential, h.credential) && Arrays.equals(resumeToken, h.resumeToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, keepAliveSeconds, capabilities, deviceId, Arrays.hashCode(credential),
                Arrays.hashCode(resumeToken));
    }

    /** Never prints the credential: frames end up in logs. */
    @Override
    public String toString() {
        return "Hello[version=%d, deviceId=%s, keepAlive=%ds, capabilities=0x%x, resume=%b]"
                .formatted(version, deviceId, keepAliveSeconds, capabilities, hasResumeToken());
    }
}
