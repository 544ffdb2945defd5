package io.connmgr.agent.control;

import io.connmgr.protocol.wire.ReasonCode;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Why a connection attempt failed or a connection ended.
 *
 * @param kind           what happened
 * @param reason         the appliance's reason code (REJECT, GOAWAY) or the violated rule (PROTOCOL_VIOLATION);
 *                       {@code null} when none applies or the appliance sent a code this version does not know
 * @param reconnectAfter the GOAWAY hint, {@link Duration#ZERO} otherwise
 * @param detail         human-readable, never contains the credential
 */
public record DisconnectCause(Kind kind, ReasonCode reason, Duration reconnectAfter, String detail) {

    /** What ended the connection. */
    public enum Kind {
        /** TCP connect failed or timed out. */
        CONNECT_FAILED,
        /** Connected, but neither WELCOME nor REJECT arrived in time. */
        HANDSHAKE_TIMEOUT,
        /** The appliance refused the HELLO. */
        REJECTED,
        /** The appliance ended the connection with GOAWAY. */
        GOAWAY,
        /** Nothing read for several keep-alive intervals. */
        PEER_SILENT,
        /** The appliance sent something this client cannot accept. */
        PROTOCOL_VIOLATION,
        /** The connection closed without a word from the appliance. */
        CONNECTION_LOST,
        /** The application closed the client. */
        CLIENT_CLOSED,
        /** On demand: nothing to do for the quiet period, so the client disconnected on purpose. */
        ON_DEMAND_QUIET
    }

    /** Refusals that retrying soon cannot fix: they need an operator or a software update. */
    private static final Set<ReasonCode> PERMANENT_REJECTIONS = EnumSet.of(
            ReasonCode.BAD_CREDENTIALS, ReasonCode.UNKNOWN_DEVICE, ReasonCode.REVOKED, ReasonCode.UNSUPPORTED_VERSION);

    public DisconnectCause {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reconnectAfter, "reconnectAfter");
        Objects.requireNonNull(detail, "detail");
    }

    static DisconnectCause of(Kind kind, String detail) {
        return new DisconnectCause(kind, null, Duration.ZERO, detail);
    }

    static DisconnectCause of(Kind kind, ReasonCode reason, String detail) {
        return new DisconnectCause(kind, reason, Duration.ZERO, detail);
    }

    /** Whether the client should wait at the backoff cap rather than retry on the growing schedule. */
    public boolean isPermanent() {
        return kind == Kind.REJECTED && reason != null && PERMANENT_REJECTIONS.contains(reason);
    }
}
