package io.connmgr.loadtest.report;

import io.connmgr.loadtest.LoadTestMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ComparisonTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream stdout;
    private PrintStream stderr;

    @BeforeEach
    void capture() {
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(stdout);
        System.setErr(stderr);
    }

    @Test
    void everyFigurePercentileErrorAndPeerRatioIsCompared() {
        Map<String, Object> a = ReportFixtures.full(400, 3.0).toMap();
        Report rb = ReportFixtures.full(300, 6.0);
        rb.figure("only_in_b_per_s", 1.0);
        Map<String, Object> b = rb.toMap();

        Comparison c = Comparison.of(a, b);
        Comparison.Row rss = row(c, Comparison.Section.FIGURE, "rss_bytes_per_connection");
        assertThat(rss.a()).isEqualTo(400);
        assertThat(rss.b()).isEqualTo(300);
        assertThat(rss.delta()).isEqualTo(-100);
        assertThat(rss.deltaPercent()).isEqualTo(-25);
        Comparison.Row p99 = row(c, Comparison.Section.LATENCY, "sleep_connect.p99");
        assertThat(p99.b() / p99.a()).isCloseTo(2.0, within(0.01));
        assertThat(row(c, Comparison.Section.ERROR, "sleep_dropped").delta()).isZero();
        assertThat(row(c, Comparison.Section.PEER, "mosquitto:rss_bytes_per_connection").a()).isEqualTo(800);
        Comparison.Row ratio = row(c, Comparison.Section.RATIO, "mosquitto:rss_bytes_per_connection");
        assertThat(ratio.a()).isEqualTo(0.5);
        assertThat(ratio.b()).isEqualTo(0.375);
        Comparison.Row onlyB = row(c, Comparison.Section.FIGURE, "only_in_b_per_s");
        assertThat(onlyB.onlyInOne()).isTrue();
        assertThat(onlyB.deltaPercent()).isNaN();

        String table = c.render("A.json", "B.json", 5);
        assertThat(table).contains("section").contains("delta %");
        assertThat(line(table, "figure   rss_bytes_per_connection")).contains("-25.0%").endsWith("*");
        assertThat(line(table, "figure   cpu_us_per_keepalive")).contains("+0.0%").doesNotEndWith("*");
        assertThat(line(table, "ratio    mosquitto:rss_bytes_per_connection")).contains("0.500×", "0.375×", "-0.125")
                .contains("ratio ours/theirs");
        assertThat(line(table, "figure   only_in_b_per_s")).contains("only in B");
        assertThat(line(table, "latency  sleep_connect.p99")).contains("ms");
    }

    @Test
    void differentMachinesAndParametersAreNoted() {
        Map<String, Object> a = ReportFixtures.full(400, 3.0).toMap();
        Map<String, Object> b = ReportFixtures.full(400, 3.0).toMap();
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) b.get("machine");
        machine.put("cores", 64);
        b.put("parameters", Map.of("devices", 15000, "tiers", java.util.List.of("SLEEP")));
        assertThat(Comparison.of(a, b).differences()).anyMatch(d -> d.contains("machine cores differs"))
                .anyMatch(d -> d.contains("parameter devices differs: 300 vs 15000"));
    }

    @Test
    void theCommandPrintsTheTableAndRefusesNonReports(@TempDir Path dir) throws IOException {
        Path a = ReportFixtures.full(400, 3.0).write(dir.resolve("a.json"));
        Path b = ReportFixtures.full(410, 3.0).write(dir.resolve("b.json"));
        assertThat(LoadTestMain.execute("compare", a.toString(), b.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("rss_bytes_per_connection").contains("+2.5%");

        Path bogus = Files.writeString(dir.resolve("bogus.json"), "{\"results\": []}");
        assertThat(LoadTestMain.execute("compare", a.toString(), bogus.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bogus.json is not a " + Report.SCHEMA + " report");
    }

    @Test
    void htmlRendersAStoredReportAgain(@TempDir Path dir) throws IOException {
        Path a = ReportFixtures.full(400, 3.0).write(dir.resolve("a.json"));
        Files.delete(Report.htmlPath(a));
        assertThat(LoadTestMain.execute("html", a.toString())).isZero();
        assertThat(Files.readString(Report.htmlPath(a))).contains("<svg", "cm loadtest hold");
        assertThat(LoadTestMain.execute("html", dir.resolve("none.json").toString())).isEqualTo(2);
    }

    private static Comparison.Row row(Comparison c, Comparison.Section section, String name) {
        return c.rows().stream().filter(r -> r.section() == section && r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + section + " " + name + " in " + c.rows()));
    }

    private static String line(String table, String start) {
        return table.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in\n" + table));
    }
}
