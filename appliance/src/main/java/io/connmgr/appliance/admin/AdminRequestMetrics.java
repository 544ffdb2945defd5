package io.connmgr.appliance.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts every admin API response by status and route. The route tag is a template or one of a few fixed words,
 * never a raw path, so a scanner probing random URLs cannot blow up the number of series.
 */
final class AdminRequestMetrics {
    static final String NAME = "cm.admin.requests";

    private final MeterRegistry registry;

    AdminRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(int status, String route) {
        Counter.builder(NAME)
                .description("Admin API responses by HTTP status and route template")
                .tag("status", Integer.toString(status))
                .tag("route", route)
                .register(registry)
                .increment();
    }
}
