package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Connection counts per tier. */
final class StatsRoute {
    private final DeviceDirectory directory;

    StatsRoute(DeviceDirectory directory) {
        this.directory = directory;
    }

    AdminResponse stats(AdminRequest request) {
        DeviceDirectory.TierCounts counts = directory.counts();
        return AdminResponse.json(HttpResponseStatus.OK, new Stats(counts.active(), counts.idle(), counts.sleep(),
                counts.disconnected(), counts.active() + counts.idle() + counts.sleep()));
    }

    /** @param total connected devices: active + idle + sleep (disconnected sessions have no socket) */
    record Stats(long active, long idle, long sleep, long disconnected, long total) {
    }
}
