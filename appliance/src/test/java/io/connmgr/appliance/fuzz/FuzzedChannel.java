package io.connmgr.appliance.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A listener's pipeline in an {@link EmbeddedChannel}, fed hostile bytes, with the checks every appliance fuzz
 * property makes: no exception reaches the pipeline's last stage (a handler that throws on bad input is a bug even
 * when the last stage would close quietly), no {@link Error}, every input buffer released once the channel is gone,
 * and a bounded time per input. What the pipeline writes is collected as the peer would read it.
 *
 * <p>Byte-level leaks (buffers a handler allocates itself) are checked over a whole run by
 * {@link io.connmgr.protocol.codec.LeakWatch}.
 */
public final class FuzzedChannel implements AutoCloseable {
    /**
     * Generous for a few KiB through one pipeline on a shared, loaded machine (callers warm up first, so class loading
     * does not count); a handler that loops or waits on a peer shows as a failure.
     */
    static final long MAX_NANOS_PER_INPUT = TimeUnit.SECONDS.toNanos(3);

    private final EmbeddedChannel channel;
    private final List<ByteBuf> fed = new ArrayList<>();
    private final List<Throwable> escaped = new ArrayList<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final long startNanos = System.nanoTime();
    /** The input as fed, for the failure message: jqwik's shrunk sample may have failed for another reason. */
    private final StringBuilder input = new StringBuilder();

    /**
     * @param channel a channel whose pipeline is complete, ending in the listener's exception stage; a recorder is put
     *                in front of that stage
     * @param noise   what that stage itself treats as a peer's doing rather than a fault (such as a connection closed
     *                in the middle of a request); those exceptions may reach it
     */
    public FuzzedChannel(EmbeddedChannel channel, Predicate<Throwable> noise) {
        this.channel = channel;
        // Deadlines fire when the test moves the clock, not when a loaded machine is slow to feed the input.
        channel.freezeTime();
        String last = channel.pipeline().lastContext().name();
        channel.pipeline().addBefore(last, "fuzz-escape-recorder", new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (!noise.test(cause)) {
                    escaped.add(cause);
                }
                ctx.fireExceptionCaught(cause);
            }
        });
    }

    public EmbeddedChannel channel() {
        return channel;
    }

    /** Delivers {@code stream} in reads of the given sizes (cycled), running scheduled work after each. */
    public FuzzedChannel feed(byte[] stream, List<Integer> chunkSizes) {
        int at = 0;
        for (int i = 0; at < stream.length && channel.isOpen(); i++) {
            int size = Math.max(1, Math.min(stream.length - at, chunkSizes.get(i % chunkSizes.size())));
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(size).writeBytes(stream, at, size);
            input.append(java.util.HexFormat.of().formatHex(stream, at, at + size)).append(' ');
            fed.add(buf);
            channel.writeInbound(buf);
            at += size;
            settle();
        }
        return this;
    }

    /** Runs what the pipeline handed to its executor (auth results, deadlines due) and collects its writes. */
    public void settle() {
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        drainOutbound();
        drainInbound();
    }

    /** Moves the embedded clock past every scheduled deadline and runs them (the request deadlines). */
    public void expireDeadlines(long nanos) {
        channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        settle();
    }

    /** Everything the pipeline wrote so far, as the peer reads it. */
    public byte[] written() {
        return written.toByteArray();
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Closes the channel and checks: nothing escaped, no input buffer left referenced, the input handled in time.
     * Returns a description of the first problem, or {@code null}.
     */
    public String closeAndCheck() {
        String problem = problem();
        return problem == null ? null : problem + "\ninput as fed (hex, one read per group): " + input;
    }

    private String problem() {
        long elapsed = System.nanoTime() - startNanos;
        channel.close();
        settle();
        try {
            channel.checkException();
        } catch (Throwable t) {
            escaped.add(t);
        }
        channel.finishAndReleaseAll();
        if (!escaped.isEmpty()) {
            Throwable first = escaped.getFirst();
            return "exception reached the end of the pipeline: " + first + "\n" + stack(first);
        }
        long unreleased = fed.stream().filter(b -> b.refCnt() != 0).count();
        if (unreleased > 0) {
            return unreleased + " input buffers still referenced after close";
        }
        if (elapsed > MAX_NANOS_PER_INPUT) {
            return "input took " + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms";
        }
        return null;
    }

    @Override
    public void close() {
        String problem = closeAndCheck();
        if (problem != null) {
            throw new AssertionError(problem);
        }
    }

    private void drainOutbound() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            try {
                if (out instanceof ByteBuf b) {
                    written.writeBytes(ByteBufUtil.getBytes(b));
                }
            } finally {
                ReferenceCountUtil.release(out);
            }
        }
    }

    private void drainInbound() {
        for (Object in; (in = channel.readInbound()) != null; ) {
            ReferenceCountUtil.release(in);
        }
    }

    private static String stack(Throwable t) {
        return String.join("\n", Arrays.stream(t.getStackTrace()).limit(12).map(String::valueOf).toList());
    }
}
