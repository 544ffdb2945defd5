package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.config.SourceNetworks;
import io.connmgr.appliance.transport.ClientAddress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A connection from a balancer at {@link #BALANCER}, in an {@link EmbeddedChannel} on a mock clock, with the PROXY
 * header stages in front of a recorder that stands for the listener's own stages. Every buffer the channel allocates
 * (the inputs, and the decoder's cumulation as it grows) is tracked, so {@link #closeAndCheck} can prove none leaked.
 */
final class FrontHarness implements AutoCloseable {
    static final InetSocketAddress BALANCER = new InetSocketAddress("10.0.0.9", 41000);
    static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final MethodHandle ACTUAL_READABLE_BYTES = actualReadableBytes();

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Downstream downstream = new Downstream();
    private final TrackingAllocator alloc = new TrackingAllocator();
    private final MockTicker ticker = Ticker.newMockTicker();
    final EmbeddedChannel channel;

    /** A balancer in the trusted networks. */
    FrontHarness() {
        this(SourceNetworks.parse("10.0.0.0/24"));
    }

    FrontHarness(SourceNetworks trusted) {
        channel = new EmbeddedChannel(EmbeddedChannel.builder().register(false).ticker(ticker)) {
            @Override
            protected SocketAddress remoteAddress0() {
                return BALANCER;
            }
        };
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast("protocol", downstream);
        new ProxyProtocolPolicy(trusted, DEADLINE, new ProxyProtocolMetrics(registry, "device"))
                .addFirstIfTrusted(channel);
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Delivers each chunk as one read, as long as the channel is open. */
    FrontHarness feed(byte[]... chunks) {
        for (byte[] chunk : chunks) {
            if (!channel.isOpen()) {
                return this;
            }
            channel.writeInbound(alloc.buffer(chunk.length).writeBytes(chunk));
        }
        return this;
    }

    /** Moves the mock clock on and runs what came due. */
    FrontHarness advance(Duration d) {
        ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        return this;
    }

    /** Bytes the PROXY decoder holds while it waits for the rest of a header; 0 once it has left. */
    int buffered() {
        Object decoder = channel.pipeline().get(ProxyProtocolPolicy.DECODER);
        if (decoder == null) {
            return 0;
        }
        try {
            return (int) ACTUAL_READABLE_BYTES.invoke((ByteToMessageDecoder) decoder);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    boolean stagesPresent() {
        return channel.pipeline().get(ProxyProtocolPolicy.DECODER) != null
                || channel.pipeline().get(ProxyProtocolPolicy.FRONT) != null;
    }

    SocketAddress clientAddress() {
        return ClientAddress.of(channel);
    }

    double accepted() {
        return registry.find("cm.proxyprotocol.accepted").counters().stream().mapToDouble(Counter::count).sum();
    }

    double accepted(String version, String address) {
        return registry.get("cm.proxyprotocol.accepted").tag("version", version).tag("address", address).counter()
                .count();
    }

    double refused() {
        return registry.find("cm.proxyprotocol.refused").counters().stream().mapToDouble(Counter::count).sum();
    }

    double refused(HeaderRefusal reason) {
        return registry.get("cm.proxyprotocol.refused").tag("reason", reason.tag()).counter().count();
    }

    /**
     * Closes the channel and reports what it left behind: a buffer still referenced (a leak), or a message that
     * reached the end of the pipeline. Returns a description of the problem, or {@code null} when clean.
     */
    String closeAndCheck() {
        channel.close();
        channel.runPendingTasks();
        boolean leftovers = channel.finishAndReleaseAll();
        long unreleased = alloc.allocated.stream().filter(b -> b.refCnt() != 0).count();
        if (unreleased > 0) {
            return unreleased + " of " + alloc.allocated.size() + " buffers not released";
        }
        return leftovers ? "messages reached the end of the pipeline" : null;
    }

    @Override
    public void close() {
        String problem = closeAndCheck();
        if (problem != null) {
            throw new AssertionError(problem);
        }
    }

    /** Stands for the listener's own stages: keeps the bytes that reach it, and anything else that should not. */
    static final class Downstream extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Object> others = new ArrayList<>();
        final List<Throwable> exceptions = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                byte[] copy = new byte[b.readableBytes()];
                b.readBytes(copy);
                bytes.writeBytes(copy);
            } else {
                others.add(String.valueOf(msg));
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
        }
    }

    /** Unpooled heap buffers, each remembered so its release can be checked. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    // ByteToMessageDecoder tells the size of its cumulation only to subclasses; test code reaches it reflectively.
    private static MethodHandle actualReadableBytes() {
        try {
            var method = ByteToMessageDecoder.class.getDeclaredMethod("actualReadableBytes");
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method)
                    .asType(MethodType.methodType(int.class, ByteToMessageDecoder.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
