package io.connmgr.appliance.stream;

import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * What carries an attached data connection's bytes to and from the back-end's connection: {@link DataConnectionPipe}
 * copies them through the JVM, {@link SplicedDataConnection} splices them in the kernel.
 */
interface DataConnectionRelay {
    /** The handler for the device's data connection, installed before its handshake stages leave. */
    ChannelInboundHandlerAdapter deviceSide();

    /** Starts relaying; {@code relay} is the back-end connection's last stage. Called on the device's loop. */
    void start(BackendRelayHandler relay);
}
