package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.probe.ProcFiles;
import io.connmgr.loadtest.report.TimeSeries;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One storm against one server: connect the devices, hold them, then take every connection away at once (restart
 * the server, or drop them all) and measure how long the devices, which come back on their own with the agent's
 * backoff, take until all of them are connected again, what it cost the server, and what failed on the way.
 */
final class StormRun {
    /** The figures of a storm, named alike for the appliance and its peer (units in the names). */
    static final String RECOVERY_SECONDS = "recovery_seconds";

    record Result(Map<String, Number> figures, TimeSeries series, Histogram reconnectNanos, double stormAtSeconds,
                  boolean allBack) {
    }

    private final StormTarget target;
    private final StormSettings s;
    private final PrintStream log;
    private final StormSamples samples = new StormSamples();
    private double lastProgress = -1;

    StormRun(StormTarget target, StormSettings settings, PrintStream log) {
        this.target = target;
        this.s = settings;
        this.log = log;
    }

    Result run() throws IOException, InterruptedException {
        int n = s.devices();
        Map<String, Number> f = new LinkedHashMap<>();
        LiveWorkers.Options options = new LiveWorkers.Options(target.protocol(), s.workers().keepAliveSeconds(),
                s.workers().backoffInitial(), s.workers().backoffCap(), s.workers().handshakeTimeout(),
                s.workers().devicesPerWorker(), s.workers().fileLimit(), s.workers().jvmOptions());
        try (LiveWorkers workers = LiveWorkers.start(n, target.port(), target.fleetKeyFile(), "storm", options,
                s.workDir(), Duration.ofSeconds(60))) {
            log.printf("storm[%s]: pid %d, port %d, %d devices over %d workers%n", target.name(), target.pid(),
                    target.port(), n, workers.workers());
            long rssIdle = ProcFiles.rssBytes(target.pid());
            sample(workers.counters());

            // 1. Everyone connects.
            long c0 = System.nanoTime();
            workers.startConnecting(n, s.connectRate(), s.connectTimeout());
            LiveWorkers.Totals t = workers.awaitConnected(n, s.connectTimeout(), s.sampleInterval(), this::sample);
            double connectSeconds = (System.nanoTime() - c0) / 1e9;
            if (t.connected() < n) {
                throw new IOException(target.name() + ": only " + t.connected() + " of " + n + " devices connected within "
                        + s.connectTimeout() + " (failed attempts " + t.failed() + ", last problem: " + t.lastProblem()
                        + ")");
            }
            f.put("connect_seconds", connectSeconds);
            f.put("connect_rate_per_s", n / connectSeconds);
            awaitServerCount(n, s.connectTimeout(), workers);

            // 2. Hold: the state before the storm.
            holdFor(s.hold(), workers);
            long rssBefore = ProcFiles.rssBytes(target.pid());
            f.put("rss_bytes_idle", rssIdle);
            f.put("rss_bytes_before", rssBefore);

            // 3. The storm.
            workers.mark();
            LiveWorkers.Totals atMark = workers.counters();
            long pidBefore = target.pid();
            double cpuBefore = cpuSeconds(pidBefore);
            samples.startPeaks();
            double stormAt = samples.now();
            long stormAtMillis = System.currentTimeMillis();
            CompletableFuture<Double> restarted;
            if (s.mode() == StormSettings.StormMode.DROP) {
                long dropped = workers.dropAll();
                log.printf("storm[%s]: dropped %d connections%n", target.name(), dropped);
                restarted = CompletableFuture.completedFuture(0.0);
            } else {
                log.printf("storm[%s]: %s pid %d%n", target.name(), s.kill() ? "killing" : "stopping", pidBefore);
                restarted = CompletableFuture.supplyAsync(this::restart);
            }

            // 4. Until every device is back, and the server agrees.
            long end = System.nanoTime() + s.timeout().toNanos();
            t = workers.counters();
            sample(t);
            while (!(t.allBack() && restarted.isDone() && serverAgrees(n)) && System.nanoTime() < end) {
                if (restarted.isCompletedExceptionally()) {
                    throw new IOException(target.name() + " did not come back from the restart: "
                            + restarted.exceptionNow().getMessage(), restarted.exceptionNow());
                }
                TimeUnit.NANOSECONDS.sleep(s.sampleInterval().toNanos());
                t = workers.counters();
                sample(t);
            }
            double confirmed = samples.now() - stormAt;
            boolean allBack = t.allBack() && restarted.isDone() && !restarted.isCompletedExceptionally();
            long pidAfter = target.pid();
            double cpuAfter = cpuSeconds(pidAfter);
            double recovery = allBack ? Math.max(0, t.lastFullAtMillis() - stormAtMillis) / 1000.0 : Double.NaN;
            log.printf("storm[%s]: %s after %.2f s (%d of %d connected; %d attempts, %d failed)%n", target.name(),
                    allBack ? "all back" : "NOT all back", allBack ? recovery : confirmed, t.connected(), n,
                    t.attempts() - atMark.attempts(), t.failed() - atMark.failed());

            // 5. The settled state, for the series.
            holdFor(s.tail(), workers);
            Histogram reconnects = workers.reconnectNanos();

            if (allBack) {
                f.put(RECOVERY_SECONDS, recovery);
                if (recovery > 0) {
                    f.put("reconnect_rate_per_s", n / recovery);
                }
            }
            f.put("recovery_confirmed_seconds", confirmed);
            if (s.mode() == StormSettings.StormMode.RESTART && restarted.isDone()
                    && !restarted.isCompletedExceptionally()) {
                f.put("restart_seconds", restarted.join());
            }
            f.put("devices_back", t.connected());
            f.put("devices_not_back", n - t.connected());
            f.put("reconnect_attempts", t.attempts() - atMark.attempts());
            f.put("failed_attempts", t.failed() - atMark.failed());
            f.put("handshake_timeouts", t.handshakeTimeouts() - atMark.handshakeTimeouts());
            f.put("rejects", t.rejects() - atMark.rejects());
            f.put("goaways", t.goaways() - atMark.goaways());
            f.put("deferrals", t.deferrals() - atMark.deferrals());
            if (target.protocol() == LiveWorkers.Protocol.CONNMGR) {
                f.put("sessions_resumed", t.resumed() - atMark.resumed());
            }
            if (reconnects.getTotalCount() > 0) {
                f.put("reconnect_p50_ms", reconnects.getValueAtPercentile(50) / 1e6);
                f.put("reconnect_p99_ms", reconnects.getValueAtPercentile(99) / 1e6);
                f.put("reconnect_max_ms", reconnects.getMaxValue() / 1e6);
            }
            f.put("peak_rss_bytes", samples.peakRssBytes());
            f.put("peak_cpu_cores", samples.peakCpuCores());
            // A restarted server's CPU is its whole new life up to now: starting is part of what a restart costs.
            f.put("cpu_seconds_recovery", pidAfter == pidBefore ? cpuAfter - cpuBefore : cpuAfter);
            return new Result(f, samples.series(), reconnects, stormAt, allBack);
        } finally {
            samples.close();
        }
    }

    private Double restart() {
        long t0 = System.nanoTime();
        try {
            target.restart(s.kill());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted restarting " + target.name(), e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.printf("storm[%s]: restarted as pid %d in %.2f s%n", target.name(), target.pid(), seconds);
        return seconds;
    }

    /** True when the server counts {@code n} connections, or does not count them. */
    private boolean serverAgrees(long n) {
        return !target.countsConnections() || target.serverConnections() == n;
    }

    private void awaitServerCount(long n, Duration timeout, LiveWorkers workers)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!serverAgrees(n) && System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(s.sampleInterval().toNanos());
            sample(workers.counters());
        }
        if (!serverAgrees(n)) {
            throw new IOException(target.name() + " counts " + target.serverConnections() + " connections, not " + n);
        }
    }

    private void holdFor(Duration d, LiveWorkers workers) throws IOException, InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(Math.min(s.sampleInterval().toNanos(), Math.max(0, end - System.nanoTime())));
            sample(workers.counters());
        }
    }

    private void sample(LiveWorkers.Totals t) {
        Map<String, Number> row = samples.add(target.pid(), target.serverColumns(), t);
        double now = samples.now();
        if (now - lastProgress >= 1.0) {
            lastProgress = now;
            Number rss = row.get("rss_bytes");
            log.printf("storm[%s] %6.1fs connected %d/%d attempts %d failed %d%s%n", target.name(), now,
                    t.connected(), s.devices(), t.attempts(), t.failed(),
                    rss == null ? " (server down)" : String.format(" rss %.0f MiB", rss.longValue() / 1048576.0));
        }
    }

    private static double cpuSeconds(long pid) {
        try {
            return ProcFiles.cpuTicks(pid) / 100.0;
        } catch (IOException | IllegalArgumentException e) {
            return Double.NaN;
        }
    }
}
