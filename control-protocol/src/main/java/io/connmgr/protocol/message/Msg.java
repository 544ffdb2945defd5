package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.Objects;

/**
 * An application message in either direction.
 *
 * @param seq     per-session, per-direction sequence number, starting at 1 and increasing by 1
 * @param payload opaque application bytes
 */
public record Msg(long seq, byte[] payload) implements Frame {

    public Msg {
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public FrameType type() {
        return FrameType.MSG;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Msg m && seq == m.seq && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Msg[seq=" + seq + ", " + payload.length + " bytes]";
    }
}
