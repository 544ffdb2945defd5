package io.connmgr.appliance.metrics;

import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.protocol.wire.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The appliance's meters. Counters on hot paths are created once, up front, so recording never looks anything up.
 */
public final class ApplianceMetrics {
    private final PrometheusMeterRegistry registry;
    private final Map<Tier, Counter> keepAlivesAnswered = new EnumMap<>(Tier.class);
    private final Map<ReasonCode, Counter> framesRejected = new EnumMap<>(ReasonCode.class);
    private final Map<ReasonCode, Counter> authFailures = new EnumMap<>(ReasonCode.class);
    private final Map<TierCause, Counter> wakes = new EnumMap<>(TierCause.class);
    private final Counter[][][] transitions;
    private final Timer wakeLatency;
    private final Counter connectionsAccepted;
    private final Counter handshakesCompleted;
    private final Counter uplinkMessages;

    public ApplianceMetrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public ApplianceMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        // Two of the processor binder's meters break Prometheus naming rules ("_count" on a gauge, "ns" as a unit)
        // and fail `promtool check metrics`; process CPU is exported below in seconds instead.
        registry.config().meterFilter(MeterFilter.deny(id ->
                id.getName().equals("system.cpu.count") || id.getName().equals("process.cpu.time")));
        new JvmMemoryMetrics().bindTo(registry);
        BufferMemoryMetrics.bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the appliance process").register(registry);
        }
        for (Tier tier : new Tier[]{Tier.ACTIVE, Tier.IDLE}) {
            keepAlivesAnswered.put(tier, Counter.builder("cm.keepalives.answered")
                    .description("Application PINGs answered, by the tier the connection was in")
                    .tag("tier", tier.tag()).register(registry));
        }
        for (ReasonCode reason : ReasonCode.values()) {
            framesRejected.put(reason, Counter.builder("cm.frames.rejected")
                    .description("Connections closed for a protocol violation, by reason")
                    .tag("reason", reason.tag()).register(registry));
            authFailures.put(reason, Counter.builder("cm.auth.failures")
                    .description("Handshakes refused, by reason")
                    .tag("reason", reason.tag()).register(registry));
        }
        for (TierCause cause : TierCause.values()) {
            wakes.put(cause, Counter.builder("cm.wakes")
                    .description("Connections brought back from SLEEP, by cause")
                    .tag("cause", cause.tag()).register(registry));
        }
        Tier[] tiers = Tier.values();
        TierCause[] causes = TierCause.values();
        transitions = new Counter[tiers.length][tiers.length][causes.length];
        for (Tier from : tiers) {
            for (Tier to : tiers) {
                for (TierCause cause : causes) {
                    transitions[from.ordinal()][to.ordinal()][cause.ordinal()] = Counter.builder("cm.tier.transitions")
                            .description("Tier changes of device connections")
                            .tag("from", from.tag()).tag("to", to.tag()).tag("cause", cause.tag())
                            .register(registry);
                }
            }
        }
        wakeLatency = Timer.builder("cm.wake.latency")
                .description("Time from the wake trigger until the connection is ACTIVE again")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        connectionsAccepted = Counter.builder("cm.connections.accepted")
                .description("TCP connections accepted on the device listener").register(registry);
        handshakesCompleted = Counter.builder("cm.handshakes.completed")
                .description("Device handshakes that ended in WELCOME").register(registry);
        uplinkMessages = Counter.builder("cm.uplink.messages")
                .description("MSG frames received from devices").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }

    /** Registers a gauge read from {@code source} at scrape time. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        io.micrometer.core.instrument.Gauge.builder(name, source, value).description(description).tags(tags)
                .strongReference(true).register(registry);
    }

    public <T> void functionCounter(String name, String description, T source, ToDoubleFunction<T> value,
                                    String... tags) {
        io.micrometer.core.instrument.FunctionCounter.builder(name, source, value).description(description)
                .tags(tags).register(registry);
    }

    /** The sleep loop counts its own answers; they are read at scrape time, never pushed from the hot path. */
    public void bindSleepLoop(io.connmgr.appliance.tier.sleep.SleepLoop sleepLoop) {
        functionCounter("cm.keepalives.answered", "Application PINGs answered, by the tier the connection was in",
                sleepLoop, io.connmgr.appliance.tier.sleep.SleepLoop::pingsAnswered, "tier", Tier.SLEEP.tag());
        gauge("cm.sleep.table.entries", "Sockets parked in the sleep table", sleepLoop,
                io.connmgr.appliance.tier.sleep.SleepLoop::size);
        gauge("cm.sleep.table.bytes", "User-space bytes held by the sleep table", sleepLoop,
                io.connmgr.appliance.tier.sleep.SleepLoop::tableBytes);
    }

    public void keepAliveAnswered(Tier tier) {
        keepAlivesAnswered.get(tier).increment();
    }

    public double keepAlivesAnswered(Tier tier) {
        return keepAlivesAnswered.get(tier).count();
    }

    public void frameRejected(ReasonCode reason) {
        framesRejected.get(reason).increment();
    }

    public void authFailure(ReasonCode reason) {
        authFailures.get(reason).increment();
    }

    public void transition(Tier from, Tier to, TierCause cause) {
        transitions[from.ordinal()][to.ordinal()][cause.ordinal()].increment();
    }

    public double transitions(Tier from, Tier to, TierCause cause) {
        return transitions[from.ordinal()][to.ordinal()][cause.ordinal()].count();
    }

    public void wake(TierCause cause, long nanos) {
        wakes.get(cause).increment();
        wakeLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public Timer wakeLatency() {
        return wakeLatency;
    }

    public void connectionAccepted() {
        connectionsAccepted.increment();
    }

    public void handshakeCompleted() {
        handshakesCompleted.increment();
    }

    public void uplinkMessage() {
        uplinkMessages.increment();
    }
}
