package io.connmgr.appliance.stream;

/**
 * A back-end's request for one of a device's ports. {@code backend} is the back-end's end of the stream to be: a
 * proxy connection whose pipeline already ends in its relay with reading off, or a control-channel stream.
 *
 * @param origin the back-end credential's name (sent to connection-initiating devices)
 */
public record OpenRequest(String deviceId, int port, String origin, StreamEndpoint backend, Reply reply) {

    /**
     * How the requester is answered. Called once, from any thread, before any stream byte reaches the back-end; the
     * proxy writes pre-encoded bytes (the protocol codecs are gone by then).
     */
    public interface Reply {
        void succeeded();

        void failed(OpenFailure failure);
    }
}
