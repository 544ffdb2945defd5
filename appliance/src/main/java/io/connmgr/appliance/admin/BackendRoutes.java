package io.connmgr.appliance.admin;

import io.connmgr.appliance.auth.BackendConnections;
import io.connmgr.appliance.backend.BackendRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;

/**
 * Issues, lists and revokes back-end credentials (admin token only). Revoking ends the back-end's open control
 * channels (GOAWAY REVOKED) and proxy connections at once.
 */
final class BackendRoutes {
    private static final Logger log = LoggerFactory.getLogger(BackendRoutes.class);
    private final BackendRegistry registry;
    private final BackendConnections connections;

    BackendRoutes(BackendRegistry registry, BackendConnections connections) {
        this.registry = registry;
        this.connections = connections;
    }

    AdminResponse create(AdminRequest request) {
        String name = AdminJson.requiredString(AdminJson.readObject(request.body()), "name");
        if (!BackendRegistry.validName(name)) {
            throw ApiException.badRequest(BackendRegistry.NAME_RULE);
        }
        return switch (registry.create(name)) {
            case BackendRegistry.Created.Issued issued -> AdminResponse.json(HttpResponseStatus.CREATED,
                            new Issued(issued.name(), issued.token()))
                    .withHeader(HttpHeaderNames.LOCATION.toString(), "/v1/backends/" + name)
                    .withHeader(HttpHeaderNames.CACHE_CONTROL.toString(), HttpHeaderValues.NO_STORE.toString());
            case BackendRegistry.Created.AlreadyExists exists -> throw new ApiException(HttpResponseStatus.CONFLICT,
                    "backend_exists", "back-end '" + exists.name() + "' exists; delete it first to issue a new token");
        };
    }

    AdminResponse list(AdminRequest request) {
        List<Listed> backends = registry.list().stream()
                .map(b -> new Listed(b.name(), Instant.ofEpochMilli(b.createdAtMillis()).toString())).toList();
        return AdminResponse.json(HttpResponseStatus.OK, new Listing(backends));
    }

    AdminResponse delete(AdminRequest request) {
        String name = request.pathVariable("name");
        if (!registry.delete(name)) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "unknown_backend", "no back-end '"
                    + AdminJson.truncate(name) + "'");
        }
        int ended = connections.revoke(name);
        log.info("back-end {} revoked; {} open connection(s) ended", name, ended);
        return AdminResponse.noContent();
    }

    record Issued(String name, String token) {
        @Override
        public String toString() {
            return "Issued[name=" + name + ", token=<redacted>]";
        }
    }

    record Listed(String name, String createdAt) {
    }

    record Listing(List<Listed> backends) {
    }
}
