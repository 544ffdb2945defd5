package io.connmgr.loadtest.fleet;

import io.netty.channel.Channel;

/**
 * What a {@link LiveDevice} speaks on its connection. The device owns the life cycle (connect, keep-alive timer,
 * backoff, reconnect); the protocol only opens the session and sends a keep-alive, and reports back through the
 * device's {@code up}, {@code refused}, {@code goAway} and {@code pong}. Called on the fleet's event loop only.
 */
interface DeviceProtocol {
    /** Per-device state that outlives one connection (a credential, a resume token), or null. */
    Object newDevice(String deviceId);

    /** Adds the codec and the session handler to a new connection of {@code device}. */
    void initChannel(Channel channel, LiveDevice device);

    /** Writes one keep-alive probe on an established session. */
    void ping(Channel channel);
}
