package io.connmgr.protocol.client;

import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;

/**
 * Receives the events of a subscription. Called on the client's I/O thread, in order: return quickly and never block
 * (hand work to an executor), or the appliance drops events for this channel and reports them in {@link #onLoss}.
 */
@FunctionalInterface
public interface EventListener {
    /** An {@code UplinkEvent} or a {@code PresenceEvent}. */
    void onEvent(DeviceEvent event);

    /** The appliance dropped {@code dropped} events for this channel because it read too slowly. */
    default void onLoss(long dropped) {
    }
}
