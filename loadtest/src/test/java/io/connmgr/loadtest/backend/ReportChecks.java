package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.LoadTestMain;
import io.connmgr.loadtest.report.Report;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs a scenario as {@code bin/cm loadtest} would, and checks that its report is complete and consistent. */
public final class ReportChecks {
    static {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LoadTestMain.LOGBACK_CONFIG);
        }
    }

    private ReportChecks() {
    }

    /** Runs {@code args} through the loadtest command line; asserts exit code 0 and returns the report. */
    public static Map<String, Object> run(Path out, String... args) throws Exception {
        int rc = new CommandLine(new LoadTestMain()).execute(args);
        assertThat(rc).as("exit code of " + String.join(" ", args)).isZero();
        Map<String, Object> report = Report.read(out);
        assertThat(report).containsKeys("schema", "scenario", "command", "machine", "parameters", "started_at",
                "finished_at", "figures", "latency_ms", "errors", "series", "peers", "notes");
        assertThat(report.get("scenario")).isEqualTo(args[0]);
        assertThat(report.get("command")).isEqualTo("bin/cm loadtest " + String.join(" ", args));
        return report;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> figures(Map<String, Object> report) {
        return (Map<String, Object>) report.get("figures");
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> errors(Map<String, Object> report) {
        return (Map<String, Object>) report.get("errors");
    }

    public static long count(Map<String, Object> report, String figure) {
        Object v = figures(report).get(figure);
        assertThat(v).as("figure " + figure).isInstanceOf(Number.class);
        return ((Number) v).longValue();
    }

    /** A latency block: present, counting {@code expectedCount}, and its percentiles in order. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> latency(Map<String, Object> report, String name, long expectedCount) {
        Map<String, Object> all = (Map<String, Object>) report.get("latency_ms");
        assertThat(all).as("latency blocks").containsKey(name);
        Map<String, Object> l = (Map<String, Object>) all.get(name);
        assertThat(((Number) l.get("count")).longValue()).as(name + " count").isEqualTo(expectedCount);
        double p50 = num(l, "p50"), p90 = num(l, "p90"), p99 = num(l, "p99"), p999 = num(l, "p99_9");
        double max = num(l, "max");
        assertThat(p50).as(name + " p50").isGreaterThanOrEqualTo(0);
        assertThat(p90).as(name + " p90 >= p50").isGreaterThanOrEqualTo(p50);
        assertThat(p99).as(name + " p99 >= p90").isGreaterThanOrEqualTo(p90);
        assertThat(p999).as(name + " p99.9 >= p99").isGreaterThanOrEqualTo(p99);
        // HdrHistogram reports a percentile as the highest value equivalent to it (3 significant digits), max as
        // the lowest: allow that rounding
        assertThat(max * 1.001).as(name + " max >= p99.9").isGreaterThanOrEqualTo(p999);
        if (expectedCount > 0) {
            assertThat(max).as(name + " max").isGreaterThan(0);
        }
        return l;
    }

    private static double num(Map<String, Object> m, String k) {
        assertThat(m.get(k)).as(k).isInstanceOf(Number.class);
        return ((Number) m.get(k)).doubleValue();
    }

    /** The series: non-empty, every column as long as {@code t_s}, with the appliance's columns. */
    @SuppressWarnings("unchecked")
    public static void series(Map<String, Object> report, String... columns) {
        Map<String, Object> s = (Map<String, Object>) report.get("series");
        List<Object> t = (List<Object>) s.get("t_s");
        assertThat(t).as("series t_s").isNotEmpty();
        s.forEach((k, v) -> assertThat((List<Object>) v).as("series column " + k).hasSameSizeAs(t));
        assertThat(s).containsKeys("rss_bytes", "cpu_seconds", "open_files", "active", "idle", "sleep");
        assertThat(s).containsKeys(columns);
        List<Object> rss = (List<Object>) s.get("rss_bytes");
        assertThat(rss.stream().filter(v -> v instanceof Number n && n.longValue() > 0)).as("RSS samples")
                .isNotEmpty();
    }

    /**
     * The accounting of a paced run: due = sent + not sent; sent = ok + failed + unanswered; errors of the prefix
     * add up to what did not succeed; the latency block counts exactly the successful calls.
     */
    public static void pacedRun(Map<String, Object> report, String prefix, String latencyName) {
        long due = count(report, prefix + "_due_count");
        long sent = count(report, prefix + "_sent_count");
        long ok = count(report, prefix + "_ok_count");
        long failed = count(report, prefix + "_failed_count");
        long notSent = count(report, prefix + "_not_sent_count");
        assertThat(due).as(prefix + " due").isPositive();
        assertThat(sent + notSent).as(prefix + " sent + not sent").isEqualTo(due);
        assertThat(ok + failed).as(prefix + " ok + failed").isLessThanOrEqualTo(sent);
        long errors = errors(report).entrySet().stream().filter(e -> e.getKey().startsWith(prefix + "_"))
                .mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
        assertThat(errors).as(prefix + " errors").isEqualTo(due - ok);
        latency(report, latencyName, ok);
    }
}
