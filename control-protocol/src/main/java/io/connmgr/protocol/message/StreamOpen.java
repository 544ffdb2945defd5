package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.Objects;

/**
 * Opens a stream. From the appliance it asks the device to connect to a local port (a back-end proxy request); from
 * the device it asks the appliance to connect to a named back-end service (a device-initiated link).
 *
 * @param streamId u32, never 0: odd when the appliance opens, even when the device opens
 * @param window   u32 bytes the opener may receive before it grants more with STREAM_WINDOW
 * @param mode     how the bytes travel
 * @param port     u16 device-side port (from the appliance); 0 from the device
 * @param token    one-time token for {@link StreamMode#DATA_CONNECTION}, else empty
 * @param service  back-end service name (from the device); empty from the appliance
 */
public record StreamOpen(int streamId, long window, StreamMode mode, int port, byte[] token, String service)
        implements Frame {

    public StreamOpen {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(service, "service");
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_OPEN;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamOpen s && streamId == s.streamId && window == s.window && mode == s.mode
                && port == s.port && Arrays.equals(token, s.token) && service.equals(s.service);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamId, window, mode, port, Arrays.hashCode(token), service);
    }

    @Override
    public String toString() {
        return "StreamOpen[id=" + Integer.toUnsignedString(streamId) + ", window=" + window + ", " + mode
                + ", port=" + port + ", service=" + service + "]";
    }
}
