package io.connmgr.appliance.admin;

import java.util.concurrent.CompletableFuture;

/**
 * A route whose answer arrives later (a durable write, a device's response). Its synchronous part runs on a worker;
 * the response is written on the connection's event loop when the future completes.
 */
@FunctionalInterface
interface AsyncRouteHandler extends RouteHandler {
    @Override
    CompletableFuture<AdminResponse> handleAsync(AdminRequest request);

    @Override
    default AdminResponse handle(AdminRequest request) {
        return handleAsync(request).join();
    }
}
