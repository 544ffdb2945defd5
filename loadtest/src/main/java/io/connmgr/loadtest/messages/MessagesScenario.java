package io.connmgr.loadtest.messages;

import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.LatencyRecorder;
import io.connmgr.loadtest.backend.Latencies;
import io.connmgr.loadtest.backend.PacedCalls;
import io.connmgr.loadtest.backend.Waits;
import io.connmgr.loadtest.report.Report;
import io.connmgr.loadtest.progress.ProgressLine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The phases of {@code messages}: downlink messages pushed by a back-end to random ACTIVE devices with at most N
 * awaiting acceptance (a send is accepted once the appliance stored it durably), then the same one at a time. For
 * each: the acceptance rate, the delivery rate, acceptance latency and end-to-end latency (send → the device's
 * listener), duplicates and messages that never arrived.
 */
public final class MessagesScenario {
    /** Room for every message of a run in the per-device queues. */
    public static final List<String> APPLIANCE_FLAGS = List.of("--message-queue-max", "100000");

    /**
     * @param messages throughput-phase messages (count bound)
     * @param inFlight messages awaiting acceptance at once in the throughput phase
     * @param duration time bound of each phase's sending
     * @param serial   one-at-a-time messages; 0 skips that phase
     */
    public record Settings(int messages, int inFlight, Duration duration, int serial, int payloadBytes,
                           Duration deliveryWait, int uplinks) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("messages", messages);
            m.put("in_flight", inFlight);
            m.put("duration_s", duration.toMillis() / 1000.0);
            m.put("serial_messages", serial);
            m.put("payload_bytes", payloadBytes);
            m.put("delivery_wait_s", deliveryWait.toMillis() / 1000.0);
            m.put("uplinks", uplinks);
            return m;
        }
    }

    private MessagesScenario() {
    }

    /** Makes every device ACTIVE, then runs the throughput phase and the one-at-a-time phase. */
    public static void run(BackendSession s, Deliveries deliveries, Settings settings, Report report)
            throws Exception {
        int devices = s.fleet().size();
        Duration settle = Duration.ofSeconds(30 + devices / 500);
        s.fleet().alwaysActive(0, devices, true, settle);
        s.awaitActive(devices, settle);
        phase(s, deliveries, 1, "messages", settings.messages(), settings.inFlight(), settings, report);
        if (settings.serial() > 0) {
            phase(s, deliveries, 2, "messages_serial", settings.serial(), 1, settings, report);
        }
        if (settings.uplinks() > 0) {
            uplinks(s, settings, report);
        }
    }

    /**
     * Uplink messages from the devices, at most {@code in-flight} unacknowledged across the fleet: the ACK comes once
     * the message is journaled with fsync, so this measures the journal's group commit.
     */
    private static void uplinks(BackendSession s, Settings settings, Report report) throws Exception {
        String name = "uplinks";
        int devices = s.fleet().size();
        LatencyRecorder ack = new LatencyRecorder();
        Semaphore window = new Semaphore(settings.inFlight());
        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        s.counter(name + "_sent", sent::get);
        s.counter(name + "_acked", acked::get);
        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        ProgressLine progress = ProgressLine.start(name, ProgressLine.Mode.AUTO);
        progress.phase(name, "acked", settings.uplinks(), acked::get, failed::get);
        byte[] payload = new byte[settings.payloadBytes()];
        for (int i = 0; i < settings.uplinks(); i++) {
            if (!window.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            long sentAt = System.nanoTime();
            sent.incrementAndGet();
            s.fleet().sendUplink(i % devices, payload).whenComplete((seq, e) -> {
                long now = System.nanoTime();
                if (e != null) {
                    failed.incrementAndGet();
                } else {
                    ack.record(sentAt, now);
                    lastAck.accumulateAndGet(now, Math::max);
                    acked.incrementAndGet();
                }
                window.release();
            });
        }
        boolean allAnswered = window.tryAcquire(settings.inFlight(), 60, TimeUnit.SECONDS);
        progress.close();
        double seconds = (lastAck.get() - start) / 1e9;
        report.figure(name + "_sent_count", sent.get()).figure(name + "_acked_count", acked.get())
                .figure(name + "_failed_count", failed.get())
                .figure(name + "_acked_per_s", seconds > 0 ? acked.get() / seconds : 0);
        if (failed.get() > 0) {
            report.error(name + "_failed", failed.get());
        }
        if (!allAnswered) {
            report.error(name + "_unanswered", sent.get() - acked.get() - failed.get());
        }
        Latencies.add(report, name + "_ack", ack.all());
        System.err.printf("%s: %,d sent, %,d acked (%,.0f/s), %,d failed%n", name, sent.get(), acked.get(),
                seconds > 0 ? acked.get() / seconds : 0.0, failed.get());
        System.err.println(Latencies.line(name + "_ack", ack.all()));
    }

    private static void phase(BackendSession s, Deliveries deliveries, int runId, String name, int count,
                              int inFlight, Settings settings, Report report) throws Exception {
        LatencyRecorder accept = new LatencyRecorder();
        LatencyRecorder endToEnd = new LatencyRecorder();
        deliveries.begin(runId, endToEnd);
        Semaphore window = new Semaphore(inFlight);
        AtomicLong sent = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong lastAccept = new AtomicLong();
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        s.counter(name + "_sent", sent::get);
        s.counter(name + "_accepted", accepted::get);
        s.counter(name + "_delivered", deliveries::delivered);
        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        ProgressLine progress = ProgressLine.start(name, ProgressLine.Mode.AUTO);
        progress.phase(name, "accepted", count, accepted::get, failed::get);
        for (int i = 0; i < count; i++) {
            if (!window.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            byte[] payload = Deliveries.payload(runId, i, settings.payloadBytes());
            long sentAt = System.nanoTime();
            sent.incrementAndGet();
            s.backend().send(s.fleet().randomId(), payload, null, null).whenComplete((id, e) -> {
                long now = System.nanoTime();
                if (e != null) {
                    failed.incrementAndGet();
                    failures.computeIfAbsent(PacedCalls.kind(e), k -> new LongAdder()).increment();
                } else {
                    accept.record(sentAt, now);
                    lastAccept.accumulateAndGet(now, Math::max);
                    accepted.incrementAndGet();
                }
                window.release();
            });
        }
        boolean allAnswered = window.tryAcquire(inFlight, 60, TimeUnit.SECONDS);
        progress.phase(name + " delivery", "delivered", accepted.get(), deliveries::delivered, () -> 0);
        double acceptSeconds = (lastAccept.get() - start) / 1e9;
        try {
            Waits.until(name + ": every accepted message delivered", settings.deliveryWait(), s.appliance(),
                    () -> deliveries.delivered() >= accepted.get());
        } catch (java.io.IOException e) {
            report.note(name + "_delivery", e.getMessage());
        }
        progress.close();
        double deliverSeconds = (deliveries.lastDeliveryNanos() - start) / 1e9;
        long delivered = deliveries.delivered();

        report.figure(name + "_sent_count", sent.get()).figure(name + "_accepted_count", accepted.get())
                .figure(name + "_failed_count", failed.get())
                .figure(name + "_not_sent_count", count - sent.get())
                .figure(name + "_accepted_per_s", acceptSeconds > 0 ? accepted.get() / acceptSeconds : 0)
                .figure(name + "_delivered_count", delivered)
                .figure(name + "_delivered_per_s", deliverSeconds > 0 && delivered > 0 ? delivered / deliverSeconds : 0)
                .figure(name + "_undelivered_count", Math.max(0, accepted.get() - delivered))
                .figure(name + "_duplicate_count", deliveries.duplicates());
        failures.forEach((k, v) -> report.error(name + "_" + k, v.sum()));
        if (count - sent.get() > 0) {
            report.error(name + "_not_sent", count - sent.get());
        }
        if (!allAnswered) {
            report.error(name + "_unanswered", sent.get() - accepted.get() - failed.get());
        }
        if (accepted.get() > delivered) {
            report.error(name + "_undelivered", accepted.get() - delivered);
        }
        Latencies.add(report, name + "_accept", accept.all());
        Latencies.add(report, name + "_end_to_end", endToEnd.all());
        System.err.printf("%s: %,d sent, %,d accepted (%,.0f/s), %,d delivered (%,.0f/s), %,d failed%n", name,
                sent.get(), accepted.get(), acceptSeconds > 0 ? accepted.get() / acceptSeconds : 0.0, delivered,
                deliverSeconds > 0 ? delivered / deliverSeconds : 0.0, failed.get());
        System.err.println(Latencies.line(name + "_accept", accept.all()));
        System.err.println(Latencies.line(name + "_end_to_end", endToEnd.all()));
    }
}
