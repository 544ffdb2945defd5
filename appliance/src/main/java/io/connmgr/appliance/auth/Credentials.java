package io.connmgr.appliance.auth;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.config.AuthConfig;
import io.connmgr.appliance.session.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The appliance's credential state, opened once at start: fleet keys, device revocations, live back-end connections,
 * and one failure limiter per listener.
 */
public final class Credentials {
    private final FleetKeys fleetKeys;
    private final DeviceRevocations revocations;
    private final BackendConnections backendConnections = new BackendConnections();
    private final FailureLimiter device;
    private final FailureLimiter control;
    private final FailureLimiter proxy;
    private final FailureLimiter admin;

    private Credentials(ApplianceConfig config, TimeSource time, MeterRegistry registry) {
        this.fleetKeys = FleetKeys.load(config.dataDir(), time, registry);
        this.revocations = DeviceRevocations.load(config.dataDir());
        AuthConfig auth = config.auth();
        this.device = limiter("device", auth, time, registry);
        this.control = limiter("control", auth, time, registry);
        this.proxy = limiter("proxy", auth, time, registry);
        this.admin = limiter("admin", auth, time, registry);
    }

    public static Credentials open(ApplianceConfig config, TimeSource time, MeterRegistry registry) {
        return new Credentials(config, time, registry);
    }

    private static FailureLimiter limiter(String listener, AuthConfig auth, TimeSource time, MeterRegistry registry) {
        return new FailureLimiter(listener, auth.failureLimit(), auth.failureWindow(), auth.limiterAddresses(), time,
                registry);
    }

    public FleetKeys fleetKeys() {
        return fleetKeys;
    }

    public DeviceRevocations revocations() {
        return revocations;
    }

    public BackendConnections backendConnections() {
        return backendConnections;
    }

    public FailureLimiter deviceFailures() {
        return device;
    }

    public FailureLimiter adminFailures() {
        return admin;
    }

    public BackendGuard controlGuard() {
        return new BackendGuard(control, backendConnections);
    }

    public BackendGuard proxyGuard() {
        return new BackendGuard(proxy, backendConnections);
    }
}
