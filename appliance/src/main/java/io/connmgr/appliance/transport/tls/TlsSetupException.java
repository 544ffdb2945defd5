package io.connmgr.appliance.transport.tls;

/** A certificate, key or CA file that cannot be used; the message names the setting and the file. */
public final class TlsSetupException extends IllegalStateException {
    TlsSetupException(String message) {
        super(message);
    }

    TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
