package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.ReasonCode;

/**
 * What the decoder emits instead of a frame when the peer broke the protocol. The decoder discards everything after
 * it, so the handler that receives this only has to answer with the reason and close.
 */
public record ProtocolViolation(ReasonCode reason, String detail) {
}
