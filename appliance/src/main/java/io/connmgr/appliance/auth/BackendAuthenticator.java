package io.connmgr.appliance.auth;

import java.util.Optional;

/**
 * Checks the credentials of back-end servers: the proxy listener (SOCKS5 username/password, HTTP CONNECT Basic), the
 * REST API's back-end bearer role and the control channel all ask here. A back-end credential is a name and a secret
 * token; only a hash of the token is stored. May read the store: never call on an event loop.
 */
public interface BackendAuthenticator {

    /** The back-end's name when {@code token} is the current token of back-end {@code name}. */
    Optional<String> authenticate(String name, String token);

    /** The back-end's name when {@code token} is the current token of some back-end (bearer authentication). */
    Optional<String> authenticateBearer(String token);
}
