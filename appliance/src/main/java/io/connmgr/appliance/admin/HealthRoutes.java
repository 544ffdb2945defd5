package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Liveness and readiness probes; open, so that orchestrators need no token. */
final class HealthRoutes {
    private static final AdminResponse ALIVE = AdminResponse.json(HttpResponseStatus.OK, new Health("ok"));

    private final DeviceDirectory directory;

    HealthRoutes(DeviceDirectory directory) {
        this.directory = directory;
    }

    /** Answers from the event loop without touching the directory: a busy store must not get the process killed. */
    AdminResponse health(AdminRequest request) {
        return ALIVE;
    }

    AdminResponse readiness(AdminRequest request) {
        boolean ready = directory.ready();
        return AdminResponse.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                new Readiness(ready));
    }

    record Health(String status) {
    }

    record Readiness(boolean ready) {
    }
}
