package io.connmgr.appliance.devicelink;

/** Names of the device-link pipeline stages, so tier changes can find and replace them. */
public final class HandlerNames {
    /** The SslHandler of a TLS connection: at the head for the connection's whole life, never removed. */
    public static final String TLS = "tls";
    public static final String DECODER = "decoder";
    public static final String VIOLATIONS = "violations";
    public static final String ENCODER = "encoder";
    public static final String HANDSHAKE = "handshake";
    public static final String LINK = "link";
    public static final String IDLE = "idle";
    public static final String EXCEPTIONS = "exceptions";

    private HandlerNames() {
    }
}
