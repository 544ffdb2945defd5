package io.connmgr.appliance.admin;

import io.connmgr.appliance.auth.FailureLimiter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks {@code Authorization: Bearer <token>}. Both sides are hashed before the constant-time comparison so that
 * neither the time taken nor an early length mismatch tells a caller anything about the token. Only the admin token's
 * hash is kept. Refusals count against the caller's address ({@link FailureLimiter}); an address over its limit is
 * refused before its token is looked at.
 *
 * <p>The two roles do not overlap: the admin token is not a back-end credential (the back-end registry never holds
 * it, so the control channel and the proxy refuse it), and a back-end token reaches only {@link Route.Access#BACKEND}
 * routes.
 */
final class BearerAuth {
    private static final String SCHEME = "bearer";
    /**
     * An admin token given as {@code sha256:<64 hex digits>} is the hash of the real token: the appliance then holds
     * no admin secret at all, and the hash itself is not accepted as a token (it is not a base64url token).
     */
    static final String DIGEST_PREFIX = "sha256:";

    private final byte[] expectedDigest;
    private final Function<String, Optional<String>> backendTokens;
    private final FailureLimiter failures;

    BearerAuth(String adminToken) {
        this(adminToken, token -> Optional.empty());
    }

    BearerAuth(String adminToken, Function<String, Optional<String>> backendTokens) {
        this(adminToken, backendTokens, null);
    }

    /**
     * @param backendTokens the back-end a bearer token belongs to, such as
     *                      {@link io.connmgr.appliance.auth.BackendAuthenticator#authenticateBearer}: it runs on the
     *                      event loop, so it must not block
     */
    BearerAuth(String adminToken, Function<String, Optional<String>> backendTokens, FailureLimiter failures) {
        this.expectedDigest = digestOf(adminToken);
        this.backendTokens = backendTokens;
        this.failures = failures;
    }

    /**
     * Who is calling.
     *
     * @param admin             the admin token was presented
     * @param refusal           why neither the admin token nor a back-end's token was presented, else null
     * @param retryAfterSeconds above 0 when the caller's address failed too often and was not checked at all (429)
     */
    record Caller(boolean admin, String refusal, long retryAfterSeconds) {
        Caller(boolean admin, String refusal) {
            this(admin, refusal, 0);
        }

        boolean rateLimited() {
            return retryAfterSeconds > 0;
        }
    }

    Caller caller(HttpHeaders headers) {
        return caller(headers, null);
    }

    /** @param source the client's address, null when failures are not limited */
    Caller caller(HttpHeaders headers, SocketAddress source) {
        if (failures != null && source != null && !failures.allow(source)) {
            return new Caller(false, "too many failed authentications from this address; retry later",
                    Math.max(1, failures.retryAfterSeconds(source)));
        }
        Caller caller = check(headers);
        if (caller.refusal() != null && failures != null && source != null) {
            failures.failed(source);
        }
        return caller;
    }

    private Caller check(HttpHeaders headers) {
        String refusal = refusal(headers);
        if (refusal == null) {
            return new Caller(true, null);
        }
        if (!refusal.equals(INVALID)) {
            return new Caller(false, refusal);
        }
        String presented = presented(headers);
        return new Caller(false, backendTokens.apply(presented).isPresent() ? null : refusal);
    }

    private static final String INVALID = "invalid bearer token";

    private static String presented(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION).strip();
        return value.substring(value.indexOf(' ') + 1).strip();
    }

    /** Null when the request carries the admin token, otherwise why it is refused (safe to show the client). */
    String refusal(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.AUTHORIZATION);
        if (values.isEmpty()) {
            return "missing Authorization: Bearer <token> header";
        }
        if (values.size() > 1) {
            return "more than one Authorization header";
        }
        String value = values.getFirst().strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase(SCHEME)) {
            return "Authorization header must use the Bearer scheme";
        }
        String presented = value.substring(space + 1).strip();
        if (!MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            return INVALID;
        }
        return null;
    }

    private static byte[] digestOf(String adminToken) {
        if (adminToken.startsWith(DIGEST_PREFIX)) {
            String hex = adminToken.substring(DIGEST_PREFIX.length());
            try {
                byte[] digest = java.util.HexFormat.of().parseHex(hex);
                if (digest.length == 32) {
                    return digest;
                }
            } catch (IllegalArgumentException e) {
                // falls through to the error below
            }
            throw new IllegalArgumentException("an admin token of the form sha256:... needs 64 hex digits");
        }
        return sha256(adminToken);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
