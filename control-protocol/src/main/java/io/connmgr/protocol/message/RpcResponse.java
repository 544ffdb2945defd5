package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.RpcStatus;

import java.util.Arrays;
import java.util.Objects;

/** The device's answer to RPC_REQUEST {@code callId}. */
public record RpcResponse(long callId, RpcStatus status, byte[] body) implements Frame {

    public RpcResponse {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(body, "body");
    }

    @Override
    public FrameType type() {
        return FrameType.RPC_RESPONSE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RpcResponse r && callId == r.callId && status == r.status && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(callId, status, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "RpcResponse[call=" + callId + ", " + status + ", " + body.length + " bytes]";
    }
}
