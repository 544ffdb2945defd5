package io.connmgr.appliance.admin;

import java.util.Map;
import java.util.Set;

/** What the router made of a method and path. */
sealed interface RouteMatch {

    /** The route template, or a fixed tag when nothing matched: used as the metrics route tag. */
    String routeTag();

    /** @param rawVariables path variables, still percent-encoded */
    record Found(Route route, Map<String, String> rawVariables) implements RouteMatch {
        @Override
        public String routeTag() {
            return route.template().toString();
        }
    }

    /** The path exists but not with this method. */
    record MethodNotAllowed(String template, Set<String> allowed) implements RouteMatch {
        @Override
        public String routeTag() {
            return template;
        }
    }

    record NotFound() implements RouteMatch {
        /** One shared tag for every unknown path, whatever a scanner throws at us. */
        static final String TAG = "unmatched";

        @Override
        public String routeTag() {
            return TAG;
        }
    }
}
