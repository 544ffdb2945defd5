package io.connmgr.appliance.control;

import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Meters of the control channel, created up front so recording never looks anything up. */
public final class ControlMetrics {
    private final Counter accepted;
    private final Counter welcomed;
    private final Map<ReasonCode, Counter> closed = new EnumMap<>(ReasonCode.class);
    private final Map<BackendFrameType, Map<BackendStatus, Counter>> results = new EnumMap<>(BackendFrameType.class);
    private final Counter eventsDelivered;
    private final Counter eventsDropped;
    private final Counter streamsOpened;
    private final Map<StreamStatus, Counter> streamsRefused = new EnumMap<>(StreamStatus.class);
    private final AtomicInteger sessions = new AtomicInteger();

    public ControlMetrics(MeterRegistry registry) {
        accepted = Counter.builder("cm.control.connections").description("Control-channel connections accepted")
                .register(registry);
        welcomed = Counter.builder("cm.control.handshakes").description("Back-ends that completed HELLO")
                .register(registry);
        for (ReasonCode r : ReasonCode.values()) {
            closed.put(r, Counter.builder("cm.control.goaways").description("Control channels ended, by reason")
                    .tag("reason", r.tag()).register(registry));
        }
        for (BackendFrameType t : BackendFrameType.values()) {
            if (t.fromBackend() && t != BackendFrameType.HELLO && t != BackendFrameType.PING
                    && t != BackendFrameType.STREAM_DATA && t != BackendFrameType.STREAM_WINDOW
                    && t != BackendFrameType.STREAM_RESET) {
                Map<BackendStatus, Counter> byStatus = new EnumMap<>(BackendStatus.class);
                for (BackendStatus s : BackendStatus.values()) {
                    byStatus.put(s, Counter.builder("cm.control.requests").description("Requests answered")
                            .tag("type", t.name().toLowerCase(Locale.ROOT)).tag("status", s.tag())
                            .register(registry));
                }
                results.put(t, byStatus);
            }
        }
        eventsDelivered = Counter.builder("cm.control.events.delivered")
                .description("Events written to back-ends").register(registry);
        eventsDropped = Counter.builder("cm.control.events.dropped")
                .description("Events dropped for back-ends that read too slowly").register(registry);
        streamsOpened = Counter.builder("cm.control.streams.opened")
                .description("Streams opened over the control channel").register(registry);
        for (StreamStatus reason : new StreamStatus[]{StreamStatus.CANCELLED, StreamStatus.FAILED,
                StreamStatus.FLOW_CONTROL_ERROR}) {
            streamsRefused.put(reason, Counter.builder("cm.control.stream.resets")
                    .description("Stream frames from back-ends refused with STREAM_RESET, by the reason sent: data "
                            + "for no open stream (cancelled), before the open's answer or after FIN (failed), beyond "
                            + "the window (flow_control_error)")
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        Gauge.builder("cm.control.sessions", sessions, AtomicInteger::get)
                .description("Authenticated control channels open").register(registry);
    }

    void accepted() {
        accepted.increment();
    }

    void welcomed() {
        welcomed.increment();
        sessions.incrementAndGet();
    }

    void sessionEnded() {
        sessions.decrementAndGet();
    }

    void closed(ReasonCode reason) {
        closed.get(reason).increment();
    }

    void result(BackendFrameType request, BackendStatus status) {
        Map<BackendStatus, Counter> byStatus = results.get(request);
        if (byStatus != null) {
            byStatus.get(status).increment();
        }
    }

    void eventDelivered() {
        eventsDelivered.increment();
    }

    void eventsDropped(long n) {
        eventsDropped.increment(n);
    }

    void streamOpened() {
        streamsOpened.increment();
    }

    void streamRefused(StreamStatus reason) {
        streamsRefused.get(reason).increment();
    }

    public double droppedEvents() {
        return eventsDropped.count();
    }

    public int sessions() {
        return sessions.get();
    }
}
