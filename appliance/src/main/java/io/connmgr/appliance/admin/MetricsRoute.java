package io.connmgr.appliance.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Prometheus text exposition of every meter in the registry. */
final class MetricsRoute {
    /** Version 0.0.4 is what {@link PrometheusMeterRegistry#scrape()} writes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    MetricsRoute(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    AdminResponse scrape(AdminRequest request) {
        return AdminResponse.text(HttpResponseStatus.OK, CONTENT_TYPE, registry.scrape());
    }
}
