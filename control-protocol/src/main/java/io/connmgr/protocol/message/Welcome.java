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
 * @param stayConnected    the appliance asks the device to stay persistently connected: servers could not reach it
 *                         directly (auto-determination), so an on-demand device must not disconnect on its own
 */
public record Welcome(int version, boolean resumed, int keepAliveSeconds, int maxFrameSize, int capabilities,
                      long lastUplinkSeq, byte[] resumeToken, boolean stayConnected) implements Frame {

    /** WELCOME flags bit 0: the session of the HELLO's resume token was continued. */
    public static final int FLAG_RESUMED = 1;
    /** WELCOME flags bit 1: stay persistently connected. */
    public static final int FLAG_STAY_CONNECTED = 1 << 1;

    public Welcome {
        Objects.requireNonNull(resumeToken, "resumeToken");
    }

    /** A WELCOME that does not ask the device to stay connected. */
    public Welcome(int version, boolean resumed, int keepAliveSeconds, int maxFrameSize, int capabilities,
                   long lastUplinkSeq, byte[] resumeToken) {
        this(version, resumed, keepAliveSeconds, maxFrameSize, capabilities, lastUplinkSeq, resumeToken, false);
    }

    /** The flags byte these fields make. */
    public int flags() {
        return (resumed ? FLAG_RESUMED : 0) | (stayConnected ? FLAG_STAY_CONNECTED : 0);
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
                && Arrays.equals(resumeToken, w.resumeToken) && stayConnected == w.stayConnected;
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, resumed, keepAliveSeconds, maxFrameSize, capabilities, lastUplinkSeq,
                Arrays.hashCode(resumeToken), stayConnected);
    }

    @Override
    public String toString() {
        return ("Welcome[version=%d, resumed=%b, keepAlive=%ds, maxFrame=%d, capabilities=0x%x, lastUplinkSeq=%d, "
                + "stayConnected=%b, token=%s…]")
                .formatted(version, resumed, keepAliveSeconds, maxFrameSize, capabilities, lastUplinkSeq,
                        stayConnected, HexFormat.of().formatHex(resumeToken, 0, Math.min(4, resumeToken.length)));
    }
}
