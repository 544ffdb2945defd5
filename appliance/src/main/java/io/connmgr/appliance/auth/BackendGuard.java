package io.connmgr.appliance.auth;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What a listener that admits back-ends (control channel, proxy) needs besides the authenticator: its failure limit
 * per source address, and the table of live connections that a revocation ends.
 */
public record BackendGuard(FailureLimiter failures, BackendConnections connections) {

    /** No limit and a private table (tests of one listener). */
    public static BackendGuard unguarded(String listener) {
        return new BackendGuard(FailureLimiter.unlimited(listener, new SimpleMeterRegistry()),
                new BackendConnections());
    }
}
