package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.config.ProxyProtocolConfig;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/** The PROXY protocol policy of each listener that can stand behind a balancer. */
public record ProxyProtocolPolicies(ProxyProtocolPolicy device, ProxyProtocolPolicy proxy,
                                    ProxyProtocolPolicy control) {

    /** @param deadline how long a balancer's connection has for its header: the handshake deadline */
    public static ProxyProtocolPolicies of(ProxyProtocolConfig config, Duration deadline, MeterRegistry registry) {
        return new ProxyProtocolPolicies(
                new ProxyProtocolPolicy(config.device(), deadline, new ProxyProtocolMetrics(registry, "device")),
                new ProxyProtocolPolicy(config.proxy(), deadline, new ProxyProtocolMetrics(registry, "proxy")),
                new ProxyProtocolPolicy(config.control(), deadline, new ProxyProtocolMetrics(registry, "control")));
    }
}
