package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A back-end's request to the device, answered by RPC_RESPONSE with the same call id.
 *
 * @param callId    u64 chosen by the appliance, unique per connection
 * @param timeoutMs u32: the back-end stops waiting after this long; a device may skip work that would finish later
 * @param method    UTF-8, at most 255 bytes; may be empty
 * @param body      opaque request bytes
 */
public record RpcRequest(long callId, long timeoutMs, String method, byte[] body) implements Frame {
    /** Payload bytes before the method name: call id (8), timeout (4), method length (1). */
    public static final int HEAD_BYTES = 13;

    /** The payload length of an RPC_REQUEST with this method and a body of {@code bodyLength} bytes. */
    public static long payloadBytes(String method, int bodyLength) {
        return HEAD_BYTES + (long) method.getBytes(StandardCharsets.UTF_8).length + bodyLength;
    }

    public RpcRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(body, "body");
    }

    @Override
    public FrameType type() {
        return FrameType.RPC_REQUEST;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RpcRequest r && callId == r.callId && timeoutMs == r.timeoutMs
                && method.equals(r.method) && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(callId, timeoutMs, method, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "RpcRequest[call=" + callId + ", method=" + method + ", " + body.length + " bytes]";
    }
}
