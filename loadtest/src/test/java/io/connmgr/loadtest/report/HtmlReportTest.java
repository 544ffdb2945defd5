package io.connmgr.loadtest.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {

    @Test
    void isSelfContainedAndDrawsEveryGroupLatencyAndPeerBars() {
        String html = HtmlReport.render(ReportFixtures.full(412.5, 3.0).toMap());
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        // nothing fetched, nothing run: the only URL is the SVG namespace
        assertThat(html).doesNotContain("<script", "<link", "src=", "@import");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://");
        assertThat(html).contains("<h3>Connections per tier</h3>", "<h3>Resident memory (RSS)</h3>",
                "<h3>CPU use (cores, between samples)</h3>", "<h2>Latency</h2>", "Side by side: mosquitto");
        // charts: tiers, RSS, CPU; one latency bar chart; one pair of bars per shared figure (2)
        assertThat(count(html, "<svg")).isEqualTo(3 + 1 + 2);
        assertThat(html).contains("mosquitto: rss_bytes"); // the peer's series drawn over ours
        assertThat(html).contains("SLEEP: N=150");         // the mark, in the timeline
        assertThat(html).contains("a &lt;test&gt; &amp; its notes").doesNotContain("a <test>");
        assertThat(html).contains("0.516×"); // 412.5 / 800 in the figures table
    }

    @Test
    void columnsGroupByMeaningAndTheRestStandAlone() {
        List<HtmlReport.Group> groups = HtmlReport.groups(new LinkedHashSet<>(List.of("rss_bytes", "sleep", "idle",
                "connected", "cpu_seconds", "open_files", "rss_bytes_per_connection", "cm_handshakes_completed_total",
                "keepalives_sent")));
        assertThat(groups).extracting(HtmlReport.Group::title).containsExactly("Connections per tier",
                "Resident memory (RSS)", "Memory per connection", "CPU use (cores, between samples)", "Open files",
                "cm_handshakes_completed_total", "keepalives_sent");
        assertThat(groups.getFirst().columns()).containsExactly("idle", "sleep", "connected");
    }

    @Test
    void cpuSecondsBecomeCoresBetweenSamplesAndARestartIsAGap() {
        double[] t = {0, 1, 2, 4, 5};
        double[] cpu = {10, 10.5, 11.5, 12.5, 0.2};
        double[] cores = HtmlReport.rate(t, cpu);
        assertThat(cores[0]).isNaN();
        assertThat(cores[1]).isEqualTo(0.5);
        assertThat(cores[2]).isEqualTo(1.0);
        assertThat(cores[3]).isEqualTo(0.5);
        assertThat(cores[4]).isNaN();
    }

    @Test
    void aReportWithoutSeriesSaysSo() {
        Report r = new Report("compare-me", List.of("x"), Map.of());
        r.figure("devices", 1);
        assertThat(HtmlReport.render(r.toMap())).contains("no time series in this report").doesNotContain("<svg");
    }

    @Test
    void ticksAreRound() {
        assertThat(Svg.niceTicks(0, 300, 5)).containsExactly(0, 100, 200, 300);
        assertThat(Svg.niceTicks(0, 240, 5)).containsExactly(0, 50, 100, 150, 200, 250);
        assertThat(Svg.niceTicks(138e6, 157e6, 5)[0]).isLessThanOrEqualTo(138e6);
        assertThat(Svg.niceStep(0.37)).isEqualTo(0.5);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
