package io.connmgr.appliance.transport.proxyprotocol;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/** PROXY protocol meters of one listener, created up front so recording never looks anything up. */
public final class ProxyProtocolMetrics {
    private final Counter[][] accepted = new Counter[2][2]; // [version v1, v2][address client, socket]
    private final Map<HeaderRefusal, Counter> refused = new EnumMap<>(HeaderRefusal.class);

    /** @param listener the listener's name, the {@code listener} tag: device, proxy or control */
    public ProxyProtocolMetrics(MeterRegistry registry, String listener) {
        String[] versions = {"v1", "v2"};
        String[] addresses = {"client", "socket"};
        for (int v = 0; v < 2; v++) {
            for (int a = 0; a < 2; a++) {
                accepted[v][a] = Counter.builder("cm.proxyprotocol.accepted")
                        .description("PROXY protocol headers accepted from trusted balancers, by version and by "
                                + "the address the connection goes by: the client's from the header, or the "
                                + "socket's (LOCAL health checks, UNKNOWN)")
                        .tag("listener", listener).tag("version", versions[v]).tag("address", addresses[a])
                        .register(registry);
            }
        }
        for (HeaderRefusal reason : HeaderRefusal.values()) {
            refused.put(reason, Counter.builder("cm.proxyprotocol.refused")
                    .description("Connections from trusted balancers closed for want of a valid PROXY protocol "
                            + "header, by reason")
                    .tag("listener", listener).tag("reason", reason.tag()).register(registry));
        }
    }

    void accepted(int version, boolean clientAddress) {
        accepted[version == 1 ? 0 : 1][clientAddress ? 0 : 1].increment();
    }

    void refused(HeaderRefusal reason) {
        refused.get(reason).increment();
    }
}
