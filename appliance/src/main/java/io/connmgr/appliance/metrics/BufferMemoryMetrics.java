package io.connmgr.appliance.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;

/**
 * Where the appliance's buffered bytes live: every byte waiting in a channel's outbound buffer, a stream's pending
 * read or a codec comes from Netty's allocator. Its figures show whether backpressure holds: they level off under
 * overload instead of growing with what peers send (docs/reliability.md).
 */
public final class BufferMemoryMetrics {
    private BufferMemoryMetrics() {
    }

    public static void bindTo(MeterRegistry registry) {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            Gauge.builder("cm.buffers.allocator.direct", provider, p -> p.metric().usedDirectMemory())
                    .baseUnit("bytes").description("Direct memory held by Netty's default buffer allocator")
                    .register(registry);
            Gauge.builder("cm.buffers.allocator.heap", provider, p -> p.metric().usedHeapMemory())
                    .baseUnit("bytes").description("Heap memory held by Netty's default buffer allocator")
                    .register(registry);
        }
        Gauge.builder("cm.buffers.direct.reserved", () -> Math.max(0, PlatformDependent.usedDirectMemory()))
                .baseUnit("bytes").description("Direct memory Netty has reserved in all (0 when it does not count)")
                .register(registry);
    }
}
