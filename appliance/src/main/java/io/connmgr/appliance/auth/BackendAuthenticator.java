package io.connmgr.appliance.auth;

import java.util.Optional;

/**
 * Checks the credentials of back-end servers: the proxy listener (SOCKS5 username/password, HTTP CONNECT Basic), the
 * REST API's back-end bearer role and the control channel all ask here. A back-end credential is a name and a secret
 * token; only a hash of the token is stored.
 *
 * <p>The two checks differ in where they may be called: {@link #authenticate} may block, {@link #authenticateBearer}
 * must not.
 */
public interface BackendAuthenticator {

    /**
     * The back-end's name when {@code token} is the current token of back-end {@code name}. May block (read the
     * store): callers run it off the event loop, as the proxy listener and the control channel do on the store-read
     * executor, and go back to the channel's event loop with the answer.
     */
    Optional<String> authenticate(String name, String token);

    /**
     * The back-end's name when {@code token} is the current token of some back-end (bearer authentication). Never
     * blocks: the admin API calls it on its event loop for every request whose bearer token is not the admin token,
     * so an implementation answers from memory.
     */
    Optional<String> authenticateBearer(String token);
}
