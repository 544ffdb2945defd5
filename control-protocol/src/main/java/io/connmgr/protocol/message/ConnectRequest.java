package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.Objects;

/**
 * Asks a connection-initiating device to have its local application dial the appliance itself: the application opens
 * a data connection and presents {@code token} in STREAM_ATTACH. The device answers with STREAM_OPEN_RESULT for
 * {@code requestId} once it has passed the request on (or could not).
 *
 * @param requestId u32, odd, from the same number space as appliance-opened streams
 * @param port      u16 device-side port the back-end asked for
 * @param token     one-time token the application must present
 * @param origin    who asked: the back-end credential's name, for the application's logs and policy
 */
public record ConnectRequest(int requestId, int port, byte[] token, String origin) implements Frame {

    public ConnectRequest {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(origin, "origin");
    }

    @Override
    public FrameType type() {
        return FrameType.CONNECT_REQUEST;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectRequest c && requestId == c.requestId && port == c.port
                && Arrays.equals(token, c.token) && origin.equals(c.origin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, port, Arrays.hashCode(token), origin);
    }

    @Override
    public String toString() {
        return "ConnectRequest[id=" + Integer.toUnsignedString(requestId) + ", port=" + port + ", origin=" + origin + "]";
    }
}
