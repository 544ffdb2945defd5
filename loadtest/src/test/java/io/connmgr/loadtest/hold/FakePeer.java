package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.report.PeerTarget;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer without a server: its "process" is the test JVM, its devices are counters, and its keep-alives are answered
 * at the rate the schedule asks for. Registered for the tests in META-INF/services as {@code fake}.
 */
public final class FakePeer implements PeerTarget {
    final AtomicLong connected = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-peer");
        t.setDaemon(true);
        return t;
    });
    private volatile double perTick;
    volatile boolean started;
    volatile boolean closed;

    /** The factory {@code --peer fake} finds. */
    public static final class Factory implements PeerTarget.Factory {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public PeerTarget create() {
            return new FakePeer();
        }
    }

    /** A peer that is registered but not installed here. */
    public static final class Missing implements PeerTarget.Factory {
        @Override
        public String name() {
            return "missing";
        }

        @Override
        public String unavailableReason() {
            return "it is not installed: apt-get install missing";
        }

        @Override
        public PeerTarget create() {
            throw new AssertionError("an unavailable peer must not be created");
        }
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public String version() {
        return "1.0";
    }

    @Override
    public void start(Setup setup) {
        started = true;
        ticker.scheduleAtFixedRate(() -> {
            long n = Math.round(perTick);
            sent.addAndGet(n);
            answered.addAndGet(n);
        }, 10, 10, TimeUnit.MILLISECONDS);
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public Counts connect(int devices, double ratePerSecond, Duration timeout) {
        connected.set(devices);
        return counts();
    }

    @Override
    public void keepAlive(Duration interval, double jitter) {
        perTick = interval.isZero() ? 0 : connected.get() * 0.010 / (interval.toMillis() / 1000.0);
    }

    @Override
    public Counts counts() {
        return new Counts(connected.get(), 0, 0, sent.get(), answered.get());
    }

    @Override
    public Map<String, Number> figures() {
        return Map.of("fake_only_count", 7);
    }

    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
    }
}
