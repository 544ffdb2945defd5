package io.connmgr.appliance.stream;

import io.netty.channel.Channel;

/**
 * A back-end's request for one of a device's ports. {@code backend} is the back-end's connection; its pipeline already
 * ends in the {@link BackendRelayHandler} given, with reading off.
 *
 * @param origin the back-end credential's name (sent to connection-initiating devices)
 */
public record OpenRequest(String deviceId, int port, String origin, Channel backend, BackendRelayHandler relay,
                          Reply reply) {

    /**
     * How the proxy answers its client. Called once, from any thread, before any stream byte is written to the
     * back-end; implementations write pre-encoded bytes (the protocol codecs are gone by then).
     */
    public interface Reply {
        void succeeded();

        void failed(OpenFailure failure);
    }
}
