package io.connmgr.agent;

import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;

/**
 * A feature that runs beside the control connection, such as exposing local services to the appliance as streams.
 * The {@link Agent} announces each extension's capabilities in HELLO, passes it the client's events, hands it the
 * client before connecting, and closes it before the client.
 */
public interface AgentExtension extends AutoCloseable {

    /** {@link io.connmgr.protocol.message.Capabilities} bits this extension adds to HELLO. */
    default int capabilities() {
        return 0;
    }

    /** Receives the client's events alongside the agent's own logging. */
    default DeviceClientListener listener() {
        return new DeviceClientListener() {
        };
    }

    /** Called once, before the client is built: adds handlers or options to it. */
    default void configure(DeviceClient.Builder builder) {
    }

    /** Called once, after the client is built and before it starts. */
    default void attach(DeviceClient client) {
    }

    /** Releases what the extension holds; must not throw. */
    @Override
    void close();
}
