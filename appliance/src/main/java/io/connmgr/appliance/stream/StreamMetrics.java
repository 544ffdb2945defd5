package io.connmgr.appliance.stream;

import io.connmgr.protocol.wire.StreamStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters of streams and the back-end proxy. Hot-path counters are created up front; the proxy's outcome counters are
 * created on first use (a handful of protocol × outcome pairs).
 */
public final class StreamMetrics {
    /**
     * How a stream travels: the protocol's two modes, CONNECT_REQUEST, links a device opened, and proxy requests
     * relayed to a device's direct address without its link.
     */
    public enum Kind {
        MULTIPLEXED, DATA_CONNECTION, CONNECT_REQUEST, DEVICE_LINK, DIRECT;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Map<Kind, Map<StreamStatus, Counter>> opened = new EnumMap<>(Kind.class);
    private final Map<Kind, Counter> closed = new EnumMap<>(Kind.class);
    private final AtomicLong active = new AtomicLong();
    private final Counter bytesToDevice;
    private final Counter bytesFromDevice;
    private final Counter windowViolations;
    private final Counter attachFailures;
    private final Counter splicedRelays;
    private final Counter copiedRelays;
    private final Map<String, Counter> proxyRequests = new ConcurrentHashMap<>();
    private final Counter refusedAtApplianceCap;

    public StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Kind kind : Kind.values()) {
            Map<StreamStatus, Counter> byStatus = new EnumMap<>(StreamStatus.class);
            for (StreamStatus status : StreamStatus.values()) {
                byStatus.put(status, Counter.builder("cm.streams.opened")
                        .description("Stream opens, by mode and result (ok or the failure status)")
                        .tag("mode", kind.tag()).tag("result", status.name().toLowerCase(Locale.ROOT))
                        .register(registry));
            }
            opened.put(kind, byStatus);
            closed.put(kind, Counter.builder("cm.streams.closed").description("Streams that ended, by mode")
                    .tag("mode", kind.tag()).register(registry));
        }
        Gauge.builder("cm.streams.active", active, AtomicLong::get).description("Streams open now")
                .strongReference(true).register(registry);
        bytesToDevice = Counter.builder("cm.stream.bytes").description("Stream bytes relayed, by direction")
                .baseUnit("bytes").tag("direction", "to_device").register(registry);
        bytesFromDevice = Counter.builder("cm.stream.bytes").description("Stream bytes relayed, by direction")
                .baseUnit("bytes").tag("direction", "from_device").register(registry);
        windowViolations = Counter.builder("cm.stream.window.violations")
                .description("Streams reset because the device sent beyond its window").register(registry);
        attachFailures = Counter.builder("cm.stream.attach.failures")
                .description("Data connections refused: unknown, expired or already used token").register(registry);
        refusedAtApplianceCap = Counter.builder("cm.streams.refused").tag("limit", "appliance")
                .description("Stream opens refused because max-streams streams were open").register(registry);
        splicedRelays = relays(registry, "splice");
        copiedRelays = relays(registry, "copy");
    }

    public void opened(Kind kind, StreamStatus result) {
        opened.get(kind).get(result).increment();
        if (result == StreamStatus.OK) {
            active.incrementAndGet();
        }
    }

    public void closed(Kind kind) {
        closed.get(kind).increment();
        active.decrementAndGet();
    }

    public long active() {
        return active.get();
    }

    public void toDevice(long bytes) {
        bytesToDevice.increment(bytes);
    }

    public void fromDevice(long bytes) {
        bytesFromDevice.increment(bytes);
    }

    void refusedAtApplianceCap() {
        refusedAtApplianceCap.increment();
    }

    public void windowViolation() {
        windowViolations.increment();
    }

    public void attachFailure() {
        attachFailures.increment();
    }

    private static Counter relays(MeterRegistry registry, String method) {
        return Counter.builder("cm.stream.data.connection.relays")
                .description("Attached data connections by how their bytes are relayed: splice (in the kernel; "
                        + "their bytes are not in cm.stream.bytes) or copy (through the JVM)")
                .tag("method", method).register(registry);
    }

    /** A data connection attached and is relayed by splice(2) or by copying. */
    public void dataConnectionRelay(boolean spliced) {
        (spliced ? splicedRelays : copiedRelays).increment();
    }

    /** A proxy request finished: {@code protocol} socks5 or http, {@code outcome} ok or the failure's tag. */
    public void proxyRequest(String protocol, String outcome) {
        proxyRequests.computeIfAbsent(protocol + '\0' + outcome, k -> Counter.builder("cm.proxy.requests")
                .description("Back-end proxy requests, by protocol and outcome")
                .tag("protocol", protocol).tag("outcome", outcome).register(registry)).increment();
    }
}
