package io.connmgr.agent.control;

import io.connmgr.protocol.message.Welcome;

import java.time.Duration;
import java.util.Objects;

/**
 * One transition of a {@link DeviceClient}, as told to its listeners. Fields that do not apply to a state are
 * {@code null}.
 *
 * @param state   the new state
 * @param attempt CONNECTING: 0 for the first attempt, then counting the retries in the current failure streak
 * @param welcome CONNECTED: the appliance's WELCOME (keep-alive, resumed, ...)
 * @param delay   BACKING_OFF and DORMANT: how long until the next attempt
 * @param cause   BACKING_OFF, DORMANT and CLOSED: why the previous connection ended
 */
public record StateChange(ConnectionState state, int attempt, Welcome welcome, Duration delay, DisconnectCause cause) {

    public StateChange {
        Objects.requireNonNull(state, "state");
    }

    static StateChange connecting(int attempt) {
        return new StateChange(ConnectionState.CONNECTING, attempt, null, null, null);
    }

    static StateChange connected(Welcome welcome) {
        return new StateChange(ConnectionState.CONNECTED, 0, welcome, null, null);
    }

    static StateChange backingOff(Duration delay, DisconnectCause cause) {
        return new StateChange(ConnectionState.BACKING_OFF, 0, null, delay, cause);
    }

    static StateChange dormant(Duration delay, DisconnectCause cause) {
        return new StateChange(ConnectionState.DORMANT, 0, null, delay, cause);
    }

    static StateChange closed(DisconnectCause cause) {
        return new StateChange(ConnectionState.CLOSED, 0, null, null, cause);
    }
}
