package io.connmgr.appliance.control;

import io.connmgr.appliance.auth.BackendAuthenticator;

import java.util.Map;
import java.util.Optional;

/** Back-end credentials held in a map, for tests. */
record InMemoryBackendAuthenticator(Map<String, String> tokens) implements BackendAuthenticator {

    @Override
    public Optional<String> authenticate(String name, String token) {
        return token.equals(tokens.get(name)) ? Optional.of(name) : Optional.empty();
    }

    @Override
    public Optional<String> authenticateBearer(String token) {
        return tokens.entrySet().stream().filter(e -> e.getValue().equals(token)).map(Map.Entry::getKey).findFirst();
    }
}
