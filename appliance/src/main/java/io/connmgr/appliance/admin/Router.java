package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpMethod;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Maps a method and raw path to a route. Immutable once built; shared by every connection. */
final class Router {
    private final List<Route> routes;

    private Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    static Builder builder() {
        return new Builder();
    }

    /** @param rawPath the request path without query, still percent-encoded */
    RouteMatch match(HttpMethod method, String rawPath) {
        if (!rawPath.startsWith("/")) {
            return new RouteMatch.NotFound();
        }
        List<String> segments = PathTemplate.splitSegments(rawPath);
        String pathTemplate = null;
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> variables = route.template().match(segments);
            if (variables == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new RouteMatch.Found(route, variables);
            }
            pathTemplate = route.template().toString();
            allowed.add(route.method().name());
        }
        return pathTemplate == null ? new RouteMatch.NotFound() : new RouteMatch.MethodNotAllowed(pathTemplate, allowed);
    }

    /** Collects routes; refuses the same method and template twice. */
    static final class Builder {
        private final List<Route> routes = new ArrayList<>();

        Builder add(HttpMethod method, String template, Route.Access access, Route.Execution execution,
                    RouteHandler handler) {
            for (Route existing : routes) {
                if (existing.method().equals(method) && existing.template().toString().equals(template)) {
                    throw new IllegalArgumentException("route registered twice: " + method + " " + template);
                }
            }
            routes.add(new Route(method, PathTemplate.parse(template), access, execution, handler));
            return this;
        }

        Router build() {
            return new Router(routes);
        }
    }
}
