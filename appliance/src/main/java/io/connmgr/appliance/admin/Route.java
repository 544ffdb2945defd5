package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpMethod;

/**
 * One method on one path template.
 *
 * @param access    which bearer token is needed: none, the admin token, or the admin or a back-end token
 * @param execution where the handler runs: only handlers that never block may run on the event loop
 */
record Route(HttpMethod method, PathTemplate template, Access access, Execution execution, RouteHandler handler) {

    enum Access {
        OPEN,
        /** The admin token only; a back-end token gets 403. */
        TOKEN,
        /** The admin token or any back-end's token (endpoints back-end servers use to reach devices). */
        BACKEND
    }

    enum Execution {
        /** Cheap and non-blocking: runs on the event loop, so liveness answers even when the workers are busy. */
        EVENT_LOOP,
        /** Calls the directory (which may read the store): runs on the admin worker pool. */
        WORKER
    }
}
