package io.connmgr.agent.control;

import io.connmgr.protocol.message.GoAway;

/**
 * Callbacks from a {@link DeviceClient}. They run on the client's event loop, one at a time and in order: they must
 * not block. Every method has an empty default so a listener implements only what it needs.
 */
public interface DeviceClientListener {

    /** The client moved to another state. */
    default void onStateChange(StateChange change) {
    }

    /**
     * A message from the appliance. The client acknowledges it (cumulatively) after this method returns, also when it
     * throws: a listener that cannot handle a message must not make the appliance resend it forever.
     */
    default void onMessage(long seq, byte[] payload) {
    }

    /** The appliance is about to close the connection; the client reconnects no sooner than the hint. */
    default void onGoAway(GoAway goAway) {
    }
}
