package io.connmgr.appliance.admin;

import java.util.concurrent.CompletableFuture;

/** Answers one route. May throw {@link ApiException} to refuse the request with a specific status. */
@FunctionalInterface
interface RouteHandler {
    AdminResponse handle(AdminRequest request);

    /**
     * The answer as a future: handlers that wait for something (a durable write, a device) complete it later without
     * holding a worker thread. The future may fail with {@link ApiException}.
     */
    default CompletableFuture<AdminResponse> handleAsync(AdminRequest request) {
        return CompletableFuture.completedFuture(handle(request));
    }
}
