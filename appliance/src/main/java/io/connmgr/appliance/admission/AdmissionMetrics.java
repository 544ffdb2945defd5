package io.connmgr.appliance.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The {@code cm.admission.*} meters (docs/operations.md, monitoring). */
final class AdmissionMetrics {
    /** Why a device was sent away with GOAWAY(OVERLOADED). */
    enum DeferReason {
        /** the admission rate had no token for its HELLO */
        RATE,
        /** {@code max-pending-handshakes} were already between accept and WELCOME */
        PENDING;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Counter admitted;
    private final Counter deferredByRate;
    private final Counter deferredByPending;
    private final Counter acceptPauses;

    AdmissionMetrics(MeterRegistry registry, AdmissionControl control) {
        admitted = Counter.builder("cm.admission.admitted")
                .description("HELLOs admitted by the admission rate (went on to the handshake check)")
                .register(registry);
        deferredByRate = deferred(registry, DeferReason.RATE);
        deferredByPending = deferred(registry, DeferReason.PENDING);
        acceptPauses = Counter.builder("cm.admission.accept.pauses")
                .description("Times the device listener stopped accepting because max-pending-handshakes were pending")
                .register(registry);
        Gauge.builder("cm.admission.rate", control, c -> c.limiter().rate())
                .description("Admission rate in force: new handshakes admitted per second").register(registry);
        Gauge.builder("cm.admission.window", control, c -> c.limiter().windowSeconds()).baseUnit("seconds")
                .description("Deferral window: time the rate needs to admit every device deferred so far")
                .register(registry);
        Gauge.builder("cm.admission.pending.handshakes", control, AdmissionControl::pendingHandshakes)
                .description("Connections between accept and WELCOME").register(registry);
        Gauge.builder("cm.admission.accept.paused", control, c -> c.acceptPaused() ? 1 : 0)
                .description("1 while the device listener is not accepting (pending handshakes at the cap)")
                .register(registry);
    }

    private static Counter deferred(MeterRegistry registry, DeferReason reason) {
        return Counter.builder("cm.admission.deferred")
                .description("Devices sent away with GOAWAY(OVERLOADED) and a reconnect-after, by reason")
                .tag("reason", reason.tag()).register(registry);
    }

    void admitted() {
        admitted.increment();
    }

    void deferred(DeferReason reason) {
        (reason == DeferReason.RATE ? deferredByRate : deferredByPending).increment();
    }

    void acceptPaused() {
        acceptPauses.increment();
    }
}
