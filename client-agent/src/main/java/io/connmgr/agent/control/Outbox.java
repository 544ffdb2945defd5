package io.connmgr.agent.control;

import io.connmgr.protocol.message.Msg;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Uplink messages the appliance has not acknowledged yet, in sequence order. Bounded: a device that cannot reach the
 * appliance gets a refusal from {@link #add} rather than an ever-growing queue. Confined to the client's event loop.
 *
 * <p>Across a resumed session nothing acknowledged is sent again and nothing unacknowledged is lost. When the
 * appliance starts a new session instead, sequence numbers restart at 1 and the waiting messages are renumbered and
 * sent again, so delivery is at-least-once across a session loss.
 */
final class Outbox {

    private static final class Entry {
        long seq;
        final byte[] payload;
        final CompletableFuture<Long> acked;

        Entry(long seq, byte[] payload, CompletableFuture<Long> acked) {
            this.seq = seq;
            this.payload = payload;
            this.acked = acked;
        }

        Msg toMsg() {
            return new Msg(seq, payload);
        }
    }

    private final int capacity;
    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
    private long nextSeq = 1;

    Outbox(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("outbox capacity must be >= 1");
        }
        this.capacity = capacity;
    }

    /** Queues a message under the next sequence number; {@code null} when the outbox is full. */
    Msg add(byte[] payload, CompletableFuture<Long> acked) {
        if (waiting.size() >= capacity) {
            return null;
        }
        Entry entry = new Entry(nextSeq++, payload, acked);
        waiting.addLast(entry);
        return entry.toMsg();
    }

    /** Cumulative ACK: completes every message up to and including {@code seq}; returns how many. */
    int acknowledge(long seq) {
        int completed = 0;
        while (!waiting.isEmpty() && waiting.peekFirst().seq <= seq) {
            Entry entry = waiting.pollFirst();
            entry.acked.complete(entry.seq);
            completed++;
        }
        return completed;
    }

    /** The session continued: everything up to {@code lastAccepted} is safe, the rest must be sent again. */
    List<Msg> resume(long lastAccepted) {
        acknowledge(lastAccepted);
        return pending();
    }

    /** A new session: numbering restarts at 1 and every waiting message is sent again under its new number. */
    List<Msg> restartSession() {
        nextSeq = 1;
        for (Entry entry : waiting) {
            entry.seq = nextSeq++;
        }
        return pending();
    }

    void failAll(Throwable cause) {
        Entry entry;
        while ((entry = waiting.pollFirst()) != null) {
            entry.acked.completeExceptionally(cause);
        }
    }

    int size() {
        return waiting.size();
    }

    private List<Msg> pending() {
        List<Msg> msgs = new ArrayList<>(waiting.size());
        for (Entry entry : waiting) {
            msgs.add(entry.toMsg());
        }
        return msgs;
    }
}
