package io.connmgr.appliance.transport.tls;

import javax.net.ssl.SSLException;

/**
 * TLS failures caused by the peer (a failed handshake, a bad record, a refused certificate) are as routine as
 * connection resets: exception handlers log them at debug, and {@link ApplianceTls} counts failed handshakes.
 */
public final class TlsFailures {
    private TlsFailures() {
    }

    /** True for an SSLException, or a decoder failure whose cause is one (how SslHandler reports them). */
    public static boolean fromPeer(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }
}
