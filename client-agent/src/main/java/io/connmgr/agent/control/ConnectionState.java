package io.connmgr.agent.control;

/** Where a {@link DeviceClient} is in its life. */
public enum ConnectionState {
    /** Built, not started. */
    NEW,
    /** Dialling the appliance or waiting for its WELCOME. */
    CONNECTING,
    /** Welcomed: messages, commands and keep-alives flow. */
    CONNECTED,
    /** Waiting before the next connection attempt. */
    BACKING_OFF,
    /**
     * On demand: disconnected on purpose after a quiet period; connects again after the reconnect interval, or at
     * once when there is something to send.
     */
    DORMANT,
    /** Closed by the application; final. */
    CLOSED
}
