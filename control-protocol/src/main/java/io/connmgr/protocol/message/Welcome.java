package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The appliance accepted the HELLO.
 *
 * @param version          protocol version both sides now speak
 * @param resumed          true when the session named by the HELLO's resume token was continued
 * @param keepAliveSeconds interval at which the device must send PING
 * @param maxFrameSize     largest payload the appliance accepts
 * @param capabilities     what the appliance supports, {@link Capabilities}
 * @param lastUplinkSeq    highest MSG sequence number from this device the appliance has accepted
 * @param resumeToken      16 bytes to present in the next HELLO
 */
public record Welcome(int version, boolean resumed, int keepAliveSeconds, int maxFrameSize, int capabilities,
                      long lastUplinkSeq, byte[] resumeToken) implements Frame {

    public Welcome {
        Objects.requireNonNull(resumeToken, "resumeToken");
    }

    @Override
    public FrameType type() {
        return FrameType.WELCOME;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Welcome w && version == w.version && resumed == w.resumed
                && keepAliveSeconds == w.keepAliveSeconds && maxFrameSize == w.maxFrameSize
                && capabilities == w.capabilities && lastUplinkSeq == w.lastUplinkSeq
                && Arrays.equals(resumeToken, w.resumeToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, resumed, keepAliveSeconds, maxFrameSize, capabilities, lastUplinkSeq,
                Arrays.hashCode(resumeToken));
    }

    @Override
    public String toString() {
        return "Welcome[version=%d, resumed=%b, keepAlive=%ds, maxFrame=%d, capabilities=0x%x, lastUplinkSeq=%d, token=%s…]"
                .formatted(version, resumed, keepAliveSeconds, maxFrameSize, capabilities, lastUplinkSeq,
                        HexFormat.of().formatHex(resumeToken, 0, Math.min(4, resumeToken.length)));
    }
}
