package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.progress.ProgressLine;
import io.connmgr.loadtest.report.Report;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * An open-loop run: calls issued on a fixed {@link Schedule} whatever the answers do, with at most
 * {@code maxInFlight} outstanding. Latency is recorded twice: from when each call was <em>due</em> (corrected for
 * coordinated omission: a stalled server or sender cannot hide the stall by delaying the calls that would have
 * measured it) and from when it was actually sent (service time, for comparison).
 *
 * <p>Bounded in count (the schedule), in time (no call is issued after the schedule's span plus one second of slack,
 * and the answers are awaited for at most {@code drain}), and in memory (the in-flight bound).
 */
public final class PacedCalls {
    private final String name;
    private final Schedule schedule;
    private final int maxInFlight;
    private final LongFunction<CompletableFuture<?>> call;
    private final LatencyRecorder corrected;
    private final LatencyRecorder service;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /**
     * @param call      issues call {@code i}; it must complete (also exceptionally) within its own timeout
     * @param corrected latency from the due time; may be shared between runs (it keeps its own windows)
     * @param service   latency from the send; may be null
     */
    public PacedCalls(String name, Schedule schedule, int maxInFlight, LongFunction<CompletableFuture<?>> call,
                      LatencyRecorder corrected, LatencyRecorder service) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("in-flight bound must be at least 1");
        }
        this.name = name;
        this.schedule = schedule;
        this.maxInFlight = maxInFlight;
        this.call = call;
        this.corrected = corrected;
        this.service = service;
    }

    /** What a finished run counted. {@code unanswered} calls were still open when the drain gave up. */
    public record Outcome(String name, long due, long sent, long ok, long failed, long notSent, long unanswered,
                          double seconds, Map<String, Long> failures) {

        /** Achieved rate of successful calls. */
        public double okPerSecond() {
            return seconds > 0 ? ok / seconds : 0;
        }

        /**
         * Adds {@code PREFIX_due_count}, {@code _sent_count}, {@code _ok_count}, {@code _failed_count},
         * {@code _not_sent_count}, {@code _ok_per_s}, and each kind of failure as error {@code PREFIX_KIND}.
         */
        public void addTo(Report report, String prefix) {
            report.figure(prefix + "_due_count", due).figure(prefix + "_sent_count", sent)
                    .figure(prefix + "_ok_count", ok).figure(prefix + "_failed_count", failed)
                    .figure(prefix + "_not_sent_count", notSent).figure(prefix + "_ok_per_s", okPerSecond());
            failures.forEach((kind, n) -> report.error(prefix + "_" + kind, n));
        }
    }

    /** Runs the schedule on the calling thread, then waits up to {@code drain} for the outstanding answers. */
    /** Runs the calls with a live progress line on stderr (calls answered of those scheduled, failures, time left). */
    public Outcome runWithProgress(Duration drain) throws InterruptedException {
        try (ProgressLine progress = ProgressLine.start(name, ProgressLine.Mode.AUTO)) {
            progress.phase(name, "calls", schedule.count(), () -> ok.get() + failed.get(), failed::get);
            return run(drain);
        }
    }

    public Outcome run(Duration drain) throws InterruptedException {
        Semaphore window = new Semaphore(maxInFlight);
        long start = System.nanoTime();
        long issueDeadline = start + schedule.span().toNanos() + TimeUnit.SECONDS.toNanos(1);
        long i = 0;
        for (; i < schedule.count() && !stopped; i++) {
            long due = start + schedule.dueNanos(i);
            for (long now; (now = System.nanoTime()) < due; ) {
                LockSupport.parkNanos(due - now);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            // A full window delays the send, not the due time: the delay shows in the corrected latency.
            if (!window.tryAcquire(Math.max(0, issueDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            long sentAt = System.nanoTime();
            sent.incrementAndGet();
            CompletableFuture<?> f;
            try {
                f = call.apply(i);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((r, e) -> {
                long done = System.nanoTime();
                if (e != null) {
                    failed.incrementAndGet();
                    failures.computeIfAbsent(kind(e), k -> new LongAdder()).increment();
                } else {
                    ok.incrementAndGet();
                    corrected.record(due, done);
                    if (service != null) {
                        service.record(sentAt, done);
                    }
                }
                window.release();
            });
        }
        long notSent = schedule.count() - i;
        boolean drained = window.tryAcquire(maxInFlight, drain.toNanos(), TimeUnit.NANOSECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long unanswered = drained ? 0 : sent.get() - ok.get() - failed.get();
        Map<String, Long> kinds = new TreeMap<>();
        failures.forEach((k, v) -> kinds.put(k, v.sum()));
        if (notSent > 0) {
            kinds.merge("not_sent", notSent, Long::sum);
        }
        if (unanswered > 0) {
            kinds.merge("unanswered", unanswered, Long::sum);
        }
        return new Outcome(name, schedule.count(), sent.get(), ok.get(), failed.get(), notSent, unanswered, seconds,
                kinds);
    }

    /** Makes {@link #run} issue no further calls (another thread's run ends early). */
    public void stop() {
        stopped = true;
    }

    public String name() {
        return name;
    }

    public long sent() {
        return sent.get();
    }

    public long ok() {
        return ok.get();
    }

    public long failed() {
        return failed.get();
    }

    /** A short name for a failure: the exception's class, without the wrappers futures add. */
    public static String kind(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof java.io.UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        String n = t.getClass().getSimpleName();
        if (n.isEmpty()) {
            n = t.getClass().getName();
        }
        return n.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
