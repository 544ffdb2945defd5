package io.connmgr.protocol.codec;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Proof that no {@link ByteBuf} leaked: the leak detector runs at PARANOID (every buffer tracked) and its reports are
 * collected here instead of only being logged, so a test can fail on them.
 *
 * <p>Netty reports a leak when a tracked buffer was garbage-collected unreleased, and only at a later allocation
 * (that is when it polls its queue). {@link #assertNoLeaks()} therefore collects garbage and allocates before it
 * looks. A {@link DecoderHarness} proves release directly by reference counts; this catches what it cannot see:
 * buffers a handler allocates and drops on its own (its replies, its cumulation, copies).
 *
 * <p>One listener for the whole JVM: fuzz suites call {@link #install()} before their first try and
 * {@link #assertNoLeaks()} after their last (jqwik's {@code @BeforeContainer}/{@code @AfterContainer}).
 */
public final class LeakWatch {
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    private LeakWatch() {
    }

    /** Turns detection up to PARANOID and starts collecting reports; idempotent. */
    public static synchronized void install() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        if (installed) {
            return;
        }
        byteBufDetector().setLeakListener((type, records) -> REPORTS.add(type + ": " + records));
        installed = true;
    }

    /**
     * Collects garbage, lets the detector poll its queue, and fails if any leak was reported since the last call.
     * Bounded: a few rounds of GC and allocation, no waiting.
     */
    public static void assertNoLeaks() {
        if (!installed) {
            throw new IllegalStateException("LeakWatch.install() was not called");
        }
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
        if (!REPORTS.isEmpty()) {
            List<String> found = List.copyOf(REPORTS);
            REPORTS.clear();
            throw new AssertionError(found.size() + " ByteBuf leak(s) reported; first: " + found.getFirst());
        }
    }

    /** How many leaks were reported and not yet asserted on (tests of this class). */
    static int pendingReports() {
        return REPORTS.size();
    }

    // The detector every ByteBuf registers with is a package-private static of AbstractByteBuf; the listener API is
    // per detector, so the test helper reaches it reflectively (class path, not a named module).
    @SuppressWarnings("unchecked")
    private static ResourceLeakDetector<ByteBuf> byteBufDetector() {
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<ByteBuf>) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach Netty's ByteBuf leak detector", e);
        }
    }
}
