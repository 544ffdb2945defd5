package io.connmgr.appliance.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.SocketAddress;

/**
 * The address of the client behind a connection. Behind a load balancer the socket's peer is the balancer, so a
 * front handler that learns the real client (from a PROXY protocol header) records it here; everything that limits,
 * logs or reports by client address asks this class instead of {@link Channel#remoteAddress()}.
 */
public final class ClientAddress {
    private static final AttributeKey<SocketAddress> REAL = AttributeKey.valueOf("cm.clientAddress");

    private ClientAddress() {
    }

    /** The real client's address if a front handler recorded one, else the socket's peer. */
    public static SocketAddress of(Channel ch) {
        SocketAddress real = ch.hasAttr(REAL) ? ch.attr(REAL).get() : null;
        return real != null ? real : ch.remoteAddress();
    }

    /** Records the real client's address, as a trusted front (PROXY protocol) reported it. */
    public static void record(Channel ch, SocketAddress real) {
        ch.attr(REAL).set(real);
    }
}
