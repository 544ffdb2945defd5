package io.connmgr.loadtest.wake;

import io.connmgr.loadtest.backend.BackendSession;
import io.connmgr.loadtest.backend.LatencyRecorder;
import io.connmgr.loadtest.backend.Latencies;
import io.connmgr.loadtest.backend.PacedCalls;
import io.connmgr.loadtest.backend.Schedule;
import io.connmgr.loadtest.report.Report;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The phases of {@code wake}: back-end RPCs at a fixed rate to random devices, first while every device sleeps (each
 * call wakes its device, which goes back to sleep when the call ends), then, with every device asking to be kept
 * ACTIVE, the same to active ones. Latency is HdrHistogram-recorded from each call's due time (coordinated-omission
 * corrected) and, for comparison, from its send.
 */
public final class WakeScenario {
    /** The appliance settings under which quiet devices fall asleep quickly. */
    public static final List<String> APPLIANCE_FLAGS = List.of("--idle-after", "1s", "--sleep-after", "2s");

    public enum Target {
        sleeping, active, both;

        boolean includes(Target t) {
            return this == both || this == t;
        }
    }

    /**
     * @param rpcs     measured calls per target; {@code <= 0}: as many as {@code duration} holds at the rate
     * @param duration time bound of each target's calls; null: the count decides
     * @param warmup   unmeasured calls before the first measured ones (JIT, connection pools)
     */
    public record Settings(Target target, double rate, long rpcs, Duration duration, int warmup, Duration timeout,
                           int inFlight) {

        public Schedule schedule() {
            return Schedule.of(rate, rpcs, duration);
        }

        public Map<String, Object> toMap() {
            return Map.of("target", target.name(), "rate_per_s", rate, "rpcs", rpcs,
                    "duration_s", duration == null ? -1 : duration.toMillis() / 1000.0, "warmup_rpcs", warmup,
                    "rpc_timeout_s", timeout.toMillis() / 1000.0, "in_flight_max", inFlight);
        }
    }

    private WakeScenario() {
    }

    /** Runs the phases the target asks for and adds their figures to {@code report}. */
    public static void run(BackendSession s, Settings settings, Report report) throws Exception {
        int devices = s.fleet().size();
        Duration settle = Duration.ofSeconds(30 + devices / 500);
        if (settings.target().includes(Target.sleeping)) {
            s.awaitAsleep(devices, settle);
        } else {
            s.fleet().alwaysActive(0, devices, true, settle);
            s.awaitActive(devices, settle);
        }
        if (settings.warmup() > 0) {
            System.err.printf("warm-up: %,d RPCs%n", settings.warmup());
            phase(s, "rpc_warmup", Schedule.of(settings.rate(), settings.warmup(), null), settings, null);
            if (settings.target().includes(Target.sleeping)) {
                s.awaitAsleep(devices, settle);
            }
        }
        if (settings.target().includes(Target.sleeping)) {
            report.figure("rpc_sleeping_devices_asleep_at_start_count", s.appliance().admin().stats().sleep());
            double wakesBefore = s.metric("cm_wakes_total");
            phase(s, "rpc_sleeping", settings.schedule(), settings, report);
            double wakes = s.metric("cm_wakes_total") - wakesBefore;
            if (!Double.isNaN(wakes)) {
                report.figure("rpc_sleeping_appliance_wakes_count", (long) wakes);
            }
        }
        if (settings.target().includes(Target.active)) {
            if (settings.target() == Target.both) {
                s.fleet().alwaysActive(0, devices, true, settle);
                s.awaitActive(devices, settle);
            }
            report.figure("rpc_active_devices_active_at_start_count", s.appliance().admin().stats().active());
            phase(s, "rpc_active", settings.schedule(), settings, report);
        }
    }

    /** One fixed-rate run; with a null report it is a warm-up and nothing is kept. */
    private static void phase(BackendSession s, String name, Schedule schedule, Settings settings, Report report)
            throws InterruptedException {
        LatencyRecorder corrected = new LatencyRecorder();
        LatencyRecorder service = new LatencyRecorder();
        PacedCalls calls = new PacedCalls(name, schedule, settings.inFlight(), i -> s.backend().rpc(
                s.fleet().randomId(), "echo", ("ping " + i).getBytes(StandardCharsets.UTF_8), settings.timeout()),
                corrected, service);
        if (report != null) {
            s.counter(name + "_sent", calls::sent);
            s.counter(name + "_ok", calls::ok);
            s.counter(name + "_failed", calls::failed);
        }
        PacedCalls.Outcome o = calls.runWithProgress(settings.timeout().plusSeconds(5));
        System.err.println(Latencies.line(name, corrected.all()) + "  failed " + o.failed()
                + (o.notSent() + o.unanswered() > 0 ? "  not sent " + o.notSent() + "  unanswered " + o.unanswered()
                : ""));
        if (report != null) {
            o.addTo(report, name);
            Latencies.add(report, name, corrected.all());
            report.latency(name + "_service", service.all());
        }
    }
}
