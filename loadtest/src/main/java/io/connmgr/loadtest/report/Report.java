package io.connmgr.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report of one load-test run, in the documented schema {@value #SCHEMA} (docs/loadtest.md). Every scenario
 * fills the same envelope: what ran (scenario, command, parameters, machine, times), the appliance's figures, its
 * time series, latency percentiles, errors, and, when a peer ran alongside, the peer's figures and the ratios.
 *
 * <p>Figures are flat name → number maps with the unit in the name ({@code rss_bytes_per_connection},
 * {@code connect_rate_per_s}), so that {@code compare} can diff any two reports without knowing the scenario.
 */
public final class Report {
    public static final String SCHEMA = "cm-loadtest-report/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> root = new LinkedHashMap<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final Map<String, Object> latency = new LinkedHashMap<>();
    private final Map<String, Object> errors = new LinkedHashMap<>();
    private final List<Map<String, Object>> peers = new ArrayList<>();
    private final Map<String, Object> notes = new LinkedHashMap<>();
    private TimeSeries series = new TimeSeries();

    public Report(String scenario, List<String> command, Map<String, ?> parameters) {
        root.put("schema", SCHEMA);
        root.put("scenario", scenario);
        root.put("command", String.join(" ", command));
        root.put("started_at", Instant.now().toString());
        root.put("machine", Machine.describe().toMap());
        root.put("parameters", new LinkedHashMap<>(parameters));
    }

    /** A headline figure of the appliance; the unit belongs in the name. */
    public Report figure(String name, Number value) {
        figures.put(name, value);
        return this;
    }

    /** Percentiles of a latency histogram recorded in nanoseconds, in milliseconds. */
    public Report latency(String name, Histogram nanos) {
        latency.put(name, Percentiles.of(nanos).toMap());
        return this;
    }

    public Report error(String name, long count) {
        errors.merge(name, count, (a, b) -> ((Number) a).longValue() + ((Number) b).longValue());
        return this;
    }

    /** A line of context a reader needs to interpret the figures (an assumption, a caveat). */
    public Report note(String name, String text) {
        notes.put(name, text);
        return this;
    }

    public Report series(TimeSeries s) {
        this.series = s;
        return this;
    }

    /**
     * A peer (for example mosquitto) measured in the same run: its figures, its time series, and for each figure the
     * two have in common the ratio ours / theirs.
     */
    public Report peer(String name, String version, Map<String, ? extends Number> peerFigures, TimeSeries peerSeries) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("version", version);
        p.put("figures", new LinkedHashMap<>(peerFigures));
        Map<String, Object> ratios = new LinkedHashMap<>();
        peerFigures.forEach((k, theirs) -> {
            if (figures.get(k) instanceof Number ours && theirs.doubleValue() != 0) {
                ratios.put(k, ours.doubleValue() / theirs.doubleValue());
            }
        });
        p.put("ratios_ours_to_theirs", ratios);
        p.put("series", peerSeries == null ? null : peerSeries.toMap());
        peers.add(p);
        return this;
    }

    public Map<String, Object> figures() {
        return figures;
    }

    /** The whole report as the JSON tree that {@link #write} stores. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(root);
        m.put("finished_at", Instant.now().toString());
        m.put("figures", figures);
        m.put("latency_ms", latency);
        m.put("errors", errors);
        m.put("series", series.toMap());
        m.put("peers", peers);
        m.put("notes", notes);
        return m;
    }

    /** Writes the JSON report, and the HTML report beside it (same name, .html). Returns the JSON path. */
    public Path write(Path json) throws IOException {
        Map<String, Object> tree = toMap();
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(json.toFile(), tree);
        return json;
    }

    public static Map<String, Object> read(Path json) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = JSON.readValue(json.toFile(), Map.class);
        if (!SCHEMA.equals(tree.get("schema"))) {
            throw new IOException(json + " is not a " + SCHEMA + " report (schema: " + tree.get("schema") + ")");
        }
        return tree;
    }
}
