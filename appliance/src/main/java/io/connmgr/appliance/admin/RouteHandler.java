package io.connmgr.appliance.admin;

/** Answers one route. May throw {@link ApiException} to refuse the request with a specific status. */
@FunctionalInterface
interface RouteHandler {
    AdminResponse handle(AdminRequest request);
}
