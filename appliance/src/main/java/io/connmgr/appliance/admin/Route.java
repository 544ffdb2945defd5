package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpMethod;

/**
 * One method on one path template.
 *
 * @param access    whether the bearer token is needed
 * @param execution where the handler runs: only handlers that never block may run on the event loop
 */
record Route(HttpMethod method, PathTemplate template, Access access, Execution execution, RouteHandler handler) {

    enum Access { OPEN, TOKEN }

    enum Execution {
        /** Cheap and non-blocking: runs on the event loop, so liveness answers even when the workers are busy. */
        EVENT_LOOP,
        /** Calls the directory (which may read the store): runs on the admin worker pool. */
        WORKER
    }
}
