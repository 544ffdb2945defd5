package io.connmgr.appliance.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;

import static io.connmgr.appliance.admin.Route.Access.OPEN;
import static io.connmgr.appliance.admin.Route.Access.TOKEN;
import static io.connmgr.appliance.admin.Route.Execution.EVENT_LOOP;
import static io.connmgr.appliance.admin.Route.Execution.WORKER;

/** The admin API's route table: every endpoint in one place. */
final class AdminRoutes {
    private AdminRoutes() {
    }

    static Router create(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry) {
        HealthRoutes health = new HealthRoutes(directory);
        MetricsRoute metrics = new MetricsRoute(registry);
        StatsRoute stats = new StatsRoute(directory);
        DeviceQueryRoutes devices = new DeviceQueryRoutes(directory);
        DeviceTierRoute tier = new DeviceTierRoute(directory);
        DeviceConnectionRoute connection = new DeviceConnectionRoute(directory);
        DeviceProvisionRoute provisioning = new DeviceProvisionRoute(directory);
        return Router.builder()
                .add(HttpMethod.GET, "/healthz", OPEN, EVENT_LOOP, health::health)
                .add(HttpMethod.GET, "/readyz", OPEN, WORKER, health::readiness)
                .add(HttpMethod.GET, "/metrics", options.metricsRequireAuth() ? TOKEN : OPEN, WORKER, metrics::scrape)
                .add(HttpMethod.GET, "/v1/stats", TOKEN, WORKER, stats::stats)
                .add(HttpMethod.GET, "/v1/devices", TOKEN, WORKER, devices::list)
                .add(HttpMethod.POST, "/v1/devices", TOKEN, WORKER, provisioning::provision)
                .add(HttpMethod.GET, "/v1/devices/{id}", TOKEN, WORKER, devices::device)
                .add(HttpMethod.POST, "/v1/devices/{id}/tier", TOKEN, WORKER, tier::requestTier)
                .add(HttpMethod.DELETE, "/v1/devices/{id}/connection", TOKEN, WORKER, connection::disconnect)
                .build();
    }
}
