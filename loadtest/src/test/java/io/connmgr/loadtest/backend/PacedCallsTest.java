package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.report.Report;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class PacedCallsTest {

    @Test
    void everyDueCallIsSentAndCountedOnce() throws Exception {
        LatencyRecorder corrected = new LatencyRecorder();
        LatencyRecorder service = new LatencyRecorder();
        PacedCalls calls = new PacedCalls("t", Schedule.of(2000, 300, null), 10, i -> i % 10 == 0
                ? CompletableFuture.failedFuture(new TimeoutException("late"))
                : CompletableFuture.completedFuture(i), corrected, service);
        PacedCalls.Outcome o = calls.run(Duration.ofSeconds(5));
        assertThat(o.due()).isEqualTo(300);
        assertThat(o.sent()).isEqualTo(300);
        assertThat(o.ok()).isEqualTo(270);
        assertThat(o.failed()).isEqualTo(30);
        assertThat(o.failures()).containsExactly(Map.entry("timeout_exception", 30L));
        assertThat(corrected.count()).isEqualTo(270);
        assertThat(service.count()).isEqualTo(270);
        // 300 calls at 2,000/s: the schedule takes about 150 ms however fast the calls answer
        assertThat(o.seconds()).isGreaterThanOrEqualTo(0.149);
    }

    @Test
    void aStalledServerShowsInTheCorrectedLatencyAndUnansweredCallsAreCounted() throws Exception {
        LatencyRecorder corrected = new LatencyRecorder();
        CompletableFuture<Object> stalled = new CompletableFuture<>();
        // Two slots; the first two calls never answer, so every later call waits for a slot that never frees.
        PacedCalls calls = new PacedCalls("t", Schedule.of(1000, 50, null), 2,
                i -> i < 2 ? stalled : CompletableFuture.completedFuture(i), corrected, null);
        PacedCalls.Outcome o = calls.run(Duration.ofMillis(100));
        assertThat(o.sent()).isEqualTo(2);
        assertThat(o.notSent()).isEqualTo(48);
        assertThat(o.unanswered()).isEqualTo(2);
        assertThat(o.failures()).containsEntry("not_sent", 48L).containsEntry("unanswered", 2L);
        assertThat(corrected.count()).isZero();
    }

    @Test
    void theCorrectedLatencyCountsFromTheDueTime() throws Exception {
        LatencyRecorder corrected = new LatencyRecorder();
        LatencyRecorder service = new LatencyRecorder();
        CompletableFuture<Object> gate = new CompletableFuture<>();
        // One slot: call 1 is due 10 ms after call 0 but cannot be sent until call 0 answers (about 60 ms later).
        PacedCalls calls = new PacedCalls("t", Schedule.of(100, 2, null), 1, i -> {
            if (i == 0) {
                CompletableFuture.delayedExecutor(60, java.util.concurrent.TimeUnit.MILLISECONDS)
                        .execute(() -> gate.complete(0));
                return gate;
            }
            return CompletableFuture.completedFuture(i);
        }, corrected, service);
        calls.run(Duration.ofSeconds(5));
        assertThat(corrected.all().getMaxValue()).isGreaterThanOrEqualTo(50_000_000L);
        assertThat(service.all().getMinValue()).isLessThan(corrected.all().getMinValue() + 1)
                .isLessThan(10_000_000L);
    }

    @Test
    void anOutcomeGoesIntoTheReportAsFiguresAndErrors() throws IOException {
        PacedCalls.Outcome o = new PacedCalls.Outcome("rpc", 10, 9, 7, 2, 1, 0, 2.0,
                Map.of("offline", 2L, "not_sent", 1L));
        Report r = new Report("t", List.of("t"), Map.of());
        o.addTo(r, "rpc");
        assertThat(r.figures()).containsEntry("rpc_due_count", 10L).containsEntry("rpc_ok_count", 7L)
                .containsEntry("rpc_failed_count", 2L).containsEntry("rpc_ok_per_s", 3.5);
        assertThat(r.toMap().get("errors")).isEqualTo(Map.of("rpc_offline", 2L, "rpc_not_sent", 1L));
    }

    @Test
    void failureKindsAreTheUnwrappedExceptionsClass() {
        assertThat(PacedCalls.kind(new java.util.concurrent.CompletionException(new java.io.UncheckedIOException(
                new java.net.SocketTimeoutException("x"))))).isEqualTo("socket_timeout_exception");
    }
}
