package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;

/** A decoded device-link frame. Switches over it are exhaustive, so a new type cannot fall through silently. */
public sealed interface Frame
        permits Hello, Welcome, Reject, GoAway, Ping, Pong, Msg, Ack, Cmd, CmdResult,
                StreamOpen, StreamOpenResult, StreamData, StreamWindow, StreamClose, StreamReset, ConnectRequest,
                StreamAttach, RpcRequest, RpcResponse {

    FrameType type();
}
