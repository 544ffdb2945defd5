package io.connmgr.appliance.admin;

import io.connmgr.appliance.auth.BackendConnections;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;

import java.util.function.Supplier;

import static io.connmgr.appliance.admin.Route.Access.BACKEND;
import static io.connmgr.appliance.admin.Route.Access.OPEN;
import static io.connmgr.appliance.admin.Route.Access.TOKEN;
import static io.connmgr.appliance.admin.Route.Execution.EVENT_LOOP;
import static io.connmgr.appliance.admin.Route.Execution.WORKER;

/** The admin API's route table: every endpoint in one place. */
final class AdminRoutes {
    private AdminRoutes() {
    }

    static Router create(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry) {
        return create(options, directory, registry, null);
    }

    static Router create(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry,
                         BackendApi backendApi) {
        return create(options, directory, registry, backendApi, null, null);
    }

    /**
     * @param backendApi  null for an appliance without the back-end endpoints (tests of the admin API alone)
     * @param credentials null for one without fleet key rotation and revocation
     * @param tlsReload   reloads the TLS files (POST /v1/admin/tls/reload); null where no listener speaks TLS
     */
    static Router create(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry,
                         BackendApi backendApi, CredentialApi credentials, Supplier<ApplianceTls.Reload> tlsReload) {
        HealthRoutes health = new HealthRoutes(directory);
        MetricsRoute metrics = new MetricsRoute(registry);
        StatsRoute stats = new StatsRoute(directory);
        DeviceQueryRoutes devices = new DeviceQueryRoutes(directory);
        DeviceTierRoute tier = new DeviceTierRoute(directory);
        DeviceConnectionRoute connection = new DeviceConnectionRoute(directory);
        DeviceProvisionRoute provisioning = new DeviceProvisionRoute(directory, credentials);
        Router.Builder builder = Router.builder()
                .add(HttpMethod.GET, "/healthz", OPEN, EVENT_LOOP, health::health)
                .add(HttpMethod.GET, "/readyz", OPEN, WORKER, health::readiness)
                .add(HttpMethod.GET, "/metrics", options.metricsRequireAuth() ? TOKEN : OPEN, WORKER, metrics::scrape)
                .add(HttpMethod.GET, "/v1/stats", TOKEN, WORKER, stats::stats)
                .add(HttpMethod.GET, "/v1/devices", TOKEN, WORKER, devices::list)
                .add(HttpMethod.POST, "/v1/devices", TOKEN, WORKER, provisioning::provision)
                .add(HttpMethod.GET, "/v1/devices/{id}", BACKEND, WORKER, devices::device)
                .add(HttpMethod.POST, "/v1/devices/{id}/tier", TOKEN, WORKER, tier::requestTier)
                .add(HttpMethod.DELETE, "/v1/devices/{id}/connection", TOKEN, WORKER, connection::disconnect);
        if (credentials != null) {
            FleetKeyRoutes fleetKey = new FleetKeyRoutes(credentials.fleetKeys());
            builder.add(HttpMethod.POST, "/v1/devices/{id}/revoke", TOKEN, WORKER, provisioning::revoke)
                    .add(HttpMethod.GET, "/v1/admin/fleet-key", TOKEN, WORKER, fleetKey::status)
                    .add(HttpMethod.POST, "/v1/admin/fleet-key/rotate", TOKEN, WORKER, fleetKey::rotate);
        }
        if (backendApi != null) {
            addBackendRoutes(builder, backendApi, credentials);
        }
        if (tlsReload != null) {
            builder.add(HttpMethod.POST, "/v1/admin/tls/reload", TOKEN, WORKER, new TlsReloadRoute(tlsReload)::reload);
        }
        return builder.build();
    }

    /** What back-end servers use to reach devices, and the admin's management of their credentials. */
    private static void addBackendRoutes(Router.Builder builder, BackendApi api, CredentialApi credentials) {
        BackendRoutes backends = new BackendRoutes(api.backends(),
                credentials != null ? credentials.backendConnections() : new BackendConnections());
        MessageRoutes messages = new MessageRoutes(api);
        RpcRoute rpc = new RpcRoute(api);
        DeviceSettingsRoute settings = new DeviceSettingsRoute(api);
        builder.add(HttpMethod.POST, "/v1/backends", TOKEN, WORKER, backends::create)
                .add(HttpMethod.GET, "/v1/backends", TOKEN, WORKER, backends::list)
                .add(HttpMethod.DELETE, "/v1/backends/{name}", TOKEN, WORKER, backends::delete)
                .add(HttpMethod.POST, "/v1/devices/{id}/messages", BACKEND, WORKER,
                        (AsyncRouteHandler) messages::send)
                .add(HttpMethod.GET, "/v1/devices/{id}/messages/{mid}", BACKEND, WORKER, messages::status)
                .add(HttpMethod.POST, "/v1/devices/{id}/rpc", BACKEND, WORKER, (AsyncRouteHandler) rpc::call)
                .add(HttpMethod.PUT, "/v1/devices/{id}/settings", BACKEND, WORKER,
                        (AsyncRouteHandler) settings::put)
                .add(HttpMethod.GET, "/v1/devices/{id}/settings", BACKEND, WORKER, settings::get)
                .add(HttpMethod.POST, "/v1/devices/{id}/direct-attempts", BACKEND, WORKER,
                        (AsyncRouteHandler) settings::directAttempt);
    }
}
