package io.connmgr.appliance.session;

import io.connmgr.protocol.message.RpcResponse;

/**
 * Told by the connection manager about the life of awake sessions, so that services that send to devices (downlink
 * messages, RPC) need no hooks of their own in the tier code. Every call runs on the session's event loop and must not
 * block.
 */
public interface SessionObserver {

    /** Capability bits this service serves, offered in every WELCOME. */
    default int welcomeCapabilities() {
        return 0;
    }

    /**
     * The session is ACTIVE with its pipeline installed: after a handshake (WELCOME written) or after waking from
     * SLEEP.
     *
     * @param deviceCapabilities the HELLO's capability bits; -1 when woken from SLEEP (the HELLO was earlier)
     */
    default void awake(DeviceSession session, int deviceCapabilities) {
    }

    /** The device acknowledged downlink MSGs up to {@code seq} (already checked against what was sent). */
    default void downlinkAcked(DeviceSession session, long seq) {
    }

    /**
     * The session is no longer the device's awake session.
     *
     * @param disconnected true when the connection ended or was replaced; false when it went to sleep
     */
    default void asleepOrGone(DeviceSession session, boolean disconnected) {
    }

    /**
     * Whether the service has a write to the session under way that has not reached its channel yet (read from the
     * store, say). While one has, the connection does not leave Netty for the sleep table, where the write would be
     * lost with the session it was meant for.
     */
    default boolean sending(DeviceSession session) {
        return false;
    }

    /** An RPC_RESPONSE from the device. */
    default void rpcResponse(DeviceSession session, RpcResponse response) {
    }
}
