package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.util.Arrays;
import java.util.Objects;

/**
 * The first and only frame of a data connection: it names the stream by its one-time token. Every byte after it is
 * the stream's, unframed, in both directions.
 */
public record StreamAttach(byte[] token) implements Frame {

    public StreamAttach {
        Objects.requireNonNull(token, "token");
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_ATTACH;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamAttach a && Arrays.equals(token, a.token);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return "StreamAttach[" + token.length + "-byte token]";
    }
}
