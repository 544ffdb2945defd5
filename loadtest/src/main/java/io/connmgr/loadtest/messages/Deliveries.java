package io.connmgr.loadtest.messages;

import io.connmgr.loadtest.backend.LatencyRecorder;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the devices received: each pushed payload carries its send time, its run and its index, so the device's
 * listener can record end-to-end latency (send → listener) and tell a first delivery from a duplicate. Payloads of
 * another run, or too short to carry the header, count as foreign.
 */
public final class Deliveries {
    /** Bytes of the header at the start of every payload: send nanos, run id, index. */
    public static final int HEADER = 16;

    private final Object lock = new Object();
    private int run = -1;
    private LatencyRecorder endToEnd;
    private final BitSet seen = new BitSet();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private volatile long lastDeliveryNanos;

    /** Starts counting for run {@code id}; earlier runs' late deliveries count as foreign from now on. */
    public void begin(int id, LatencyRecorder recorder) {
        synchronized (lock) {
            run = id;
            endToEnd = recorder;
            seen.clear();
            delivered.set(0);
            duplicates.set(0);
            foreign.set(0);
        }
    }

    /** The payload of message {@code index} of run {@code runId}, sent now. */
    public static byte[] payload(int runId, int index, int size) {
        return ByteBuffer.allocate(Math.max(HEADER, size)).putLong(System.nanoTime()).putInt(runId).putInt(index)
                .array();
    }

    /** A device's listener hands every message here. */
    public void onMessage(String deviceId, byte[] payload) {
        long now = System.nanoTime();
        if (payload.length < HEADER) {
            foreign.incrementAndGet();
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        long sent = b.getLong();
        int runId = b.getInt();
        int index = b.getInt();
        synchronized (lock) {
            if (runId != run || index < 0) {
                foreign.incrementAndGet();
                return;
            }
            if (seen.get(index)) {
                duplicates.incrementAndGet();
                return;
            }
            seen.set(index);
            endToEnd.record(sent, now);
            lastDeliveryNanos = now;
            delivered.incrementAndGet();
        }
    }

    public long delivered() {
        return delivered.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long foreign() {
        return foreign.get();
    }

    public long lastDeliveryNanos() {
        return lastDeliveryNanos;
    }
}
