package io.connmgr.loadtest.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@SuppressWarnings("unchecked")
class ReportSchemaTest {

    @Test
    void aFullReportHasEveryRequiredKeyWithItsType(@TempDir Path dir) throws IOException {
        Path json = ReportFixtures.full(412.5, 3.0).write(dir.resolve("hold-x.json"));
        Map<String, Object> tree = Report.read(json);

        assertThat(tree.keySet()).containsAll(ReportSchema.REQUIRED).contains("marks");
        assertThat(tree.get("schema")).isEqualTo(Report.SCHEMA);
        assertThat(tree.get("scenario")).isEqualTo("hold");
        assertThat(tree.get("command")).isEqualTo("bin/cm loadtest hold --devices 300");
        assertThat(tree.get("machine")).isInstanceOfSatisfying(Map.class, m -> {
            assertThat(m.get("cores")).isInstanceOf(Integer.class);
            assertThat(((Number) m.get("memory_bytes")).longValue()).isPositive();
            assertThat(m.get("jdk")).isInstanceOf(String.class);
        });
        assertThat(tree.get("figures")).isInstanceOfSatisfying(Map.class,
                f -> assertThat(f.values()).allMatch(v -> v instanceof Number));
        Map<String, Object> latency = (Map<String, Object>) ((Map<String, Object>) tree.get("latency_ms")).get("sleep_connect");
        assertThat(latency.keySet()).containsExactly("count", "p50", "p90", "p99", "p99_9", "max", "mean");
        Map<String, Object> series = (Map<String, Object>) tree.get("series");
        assertThat(series.keySet()).startsWith("t_s");
        series.values().forEach(col -> assertThat((List<Object>) col).hasSize(3));
        Map<String, Object> peer = (Map<String, Object>) ((List<Object>) tree.get("peers")).getFirst();
        assertThat(peer.keySet()).containsExactly("name", "version", "figures", "ratios_ours_to_theirs", "series");
        assertThat(ReportSchema.problems(tree)).isEmpty();
        assertThat(Files.readString(Report.htmlPath(json))).startsWith("<!DOCTYPE html>").contains("<svg");
    }

    @Test
    void ratiosAreComputedWhenWrittenSoFiguresMayComeAfterThePeer() {
        Report r = ReportFixtures.full(412.5, 3.0);
        r.figure("figure_added_late_per_s", 10).peer("other", null, Map.of("figure_added_late_per_s", 4), null);
        Map<String, Object> tree = r.toMap();
        Map<String, Object> mosquitto = (Map<String, Object>) ((List<Object>) tree.get("peers")).get(0);
        Map<String, Object> other = (Map<String, Object>) ((List<Object>) tree.get("peers")).get(1);
        assertThat((Map<String, Object>) mosquitto.get("ratios_ours_to_theirs")).containsEntry("rss_bytes_per_connection",
                412.5 / 800.0).containsEntry("connect_rate_per_s", 950.5 / 2000.0);
        assertThat((Map<String, Object>) other.get("ratios_ours_to_theirs")).containsEntry("figure_added_late_per_s", 2.5);
        assertThat(other.get("version")).isEqualTo("unknown");
        assertThat(ReportSchema.problems(tree)).isEmpty();
    }

    @Test
    void aFigureThatIsNotANumberIsLeftOutAndSaidSo() {
        Report r = new Report("hold", List.of("x"), Map.of());
        r.figure("cpu_us_per_keepalive", Double.NaN).figure("devices", 3);
        Map<String, Object> tree = r.toMap();
        assertThat((Map<String, Object>) tree.get("figures")).containsOnlyKeys("devices");
        assertThat((Map<String, Object>) tree.get("notes")).containsKey("not_measured_cpu_us_per_keepalive");
        assertThat(ReportSchema.problems(tree)).isEmpty();
    }

    @Test
    void eachMissingKeyIsAProblem() {
        Map<String, Object> good = ReportFixtures.full(1, 1).toMap();
        for (String key : ReportSchema.REQUIRED) {
            Map<String, Object> broken = new LinkedHashMap<>(good);
            broken.remove(key);
            assertThat(ReportSchema.problems(broken)).as("without " + key).contains("missing key " + key);
        }
    }

    @Test
    void wrongTypesAreProblems() {
        Map<String, Object> tree = ReportFixtures.full(1, 1).toMap();
        tree.put("figures", Map.of("rss_bytes_per_connection", "412"));
        tree.put("started_at", "yesterday");
        tree.put("errors", Map.of("dropped", -1));
        Map<String, Object> series = new LinkedHashMap<>();
        series.put("t_s", List.of(0.0, 1.0));
        series.put("rss_bytes", List.of(1));
        tree.put("series", series);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("x", Map.of("count", 1, "p50", 5.0, "p90", 4.0, "p99", 6.0, "p99_9", 7.0, "max", 8.0,
                "mean", 5.0));
        tree.put("latency_ms", latency);
        List<String> problems = ReportSchema.problems(tree);
        assertThat(problems).anyMatch(p -> p.startsWith("figures.rss_bytes_per_connection"))
                .anyMatch(p -> p.startsWith("started_at"))
                .anyMatch(p -> p.startsWith("errors.dropped"))
                .anyMatch(p -> p.startsWith("series.rss_bytes"))
                .anyMatch(p -> p.startsWith("latency_ms.x.p90"));
    }

    @Test
    void readRefusesWhatIsNotAReport(@TempDir Path dir) throws IOException {
        Path notJson = Files.writeString(dir.resolve("a.json"), "hello");
        Path array = Files.writeString(dir.resolve("b.json"), "[1, 2]");
        Path other = Files.writeString(dir.resolve("c.json"), "{\"schema\": \"something-else/2\"}");
        Path half = Files.writeString(dir.resolve("d.json"), "{\"schema\": \"" + Report.SCHEMA + "\"}");
        assertThatThrownBy(() -> Report.read(notJson)).isInstanceOf(IOException.class).hasMessageContaining("not a JSON");
        assertThatThrownBy(() -> Report.read(array)).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Report.read(other)).hasMessageContaining("something-else/2");
        assertThatThrownBy(() -> Report.read(half)).hasMessageContaining("missing key scenario");
        assertThatThrownBy(() -> Report.read(dir.resolve("none.json"))).isInstanceOf(IOException.class);
    }

    @Test
    void theDefaultFileNameHoldsScenarioAndTime() {
        Path p = Report.defaultPath(Path.of("out"), "hold", java.time.Instant.parse("2026-12-01T21:59:07Z"));
        assertThat(p).isEqualTo(Path.of("out", "hold-2026-12-01-215907.json"));
        assertThat(Report.htmlPath(p)).isEqualTo(Path.of("out", "hold-2026-12-01-215907.html"));
        assertThat(new ArrayList<>(List.of(Report.htmlPath(Path.of("r"))))).containsExactly(Path.of("r.html"));
    }
}
