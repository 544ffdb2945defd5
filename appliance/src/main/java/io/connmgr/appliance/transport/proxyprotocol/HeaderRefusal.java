package io.connmgr.appliance.transport.proxyprotocol;

/** Why a connection from a trusted balancer got no further than its PROXY header; the metric's {@code reason} tag. */
public enum HeaderRefusal {
    /** No complete header within the handshake deadline. */
    TIMEOUT("timeout"),
    /** Not a PROXY v1 line or v2 block, or one that does not parse. */
    MALFORMED("malformed"),
    /** Longer than a v1 line may be, or a v2 block larger than {@link ProxyProtocolPolicy#MAX_V2_HEADER_BYTES}. */
    TOO_LARGE("too-large"),
    /** A well-formed header for a transport this TCP listener does not carry (UDP, UNIX sockets). */
    UNSUPPORTED("unsupported"),
    /** The balancer closed the connection before a complete header (such as a plain TCP health check). */
    CLOSED("closed");

    private final String tag;

    HeaderRefusal(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
