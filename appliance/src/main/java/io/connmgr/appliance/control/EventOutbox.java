package io.connmgr.appliance.control;

import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;

import java.util.ArrayDeque;

/**
 * Events waiting for one slow back-end: at most {@code capacity}, the oldest dropped beyond that and counted, so a
 * reader that cannot keep up costs bounded memory and learns how much it missed (EVENT LOSS). Offered from any thread
 * (the gateway's), drained on the channel's event loop.
 */
final class EventOutbox {
    private final int capacity;
    private final ArrayDeque<DeviceEvent> queue;
    private long dropped;
    private boolean drainPending;

    EventOutbox(int capacity) {
        this.capacity = capacity;
        this.queue = new ArrayDeque<>(Math.min(capacity, 64));
    }

    /**
     * Queues {@code event}, dropping the oldest when full. Returns whether the caller must schedule a drain (none is
     * pending yet).
     */
    synchronized boolean offer(DeviceEvent event) {
        if (queue.size() == capacity) {
            queue.pollFirst();
            dropped++;
        }
        queue.addLast(event);
        if (drainPending) {
            return false;
        }
        drainPending = true;
        return true;
    }

    /** The next event, or {@code null} when empty; an empty poll ends the pending drain. */
    synchronized DeviceEvent poll() {
        DeviceEvent e = queue.pollFirst();
        if (e == null) {
            drainPending = false;
        }
        return e;
    }

    /** Events dropped since the last call. */
    synchronized long takeDropped() {
        long n = dropped;
        dropped = 0;
        return n;
    }

    synchronized int size() {
        return queue.size();
    }

    synchronized void clear() {
        queue.clear();
        drainPending = true; // closed: never schedule again
    }
}
