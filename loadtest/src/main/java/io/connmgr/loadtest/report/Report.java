package io.connmgr.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 *
 * <p>{@link #write} stores the JSON and, beside it, a self-contained HTML rendering ({@link HtmlReport}).
 * {@link ReportSchema} checks a tree against the schema; docs/loadtest.md documents it field by field.
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
    private final List<Map<String, Object>> marks = new ArrayList<>();
    private TimeSeries series = new TimeSeries();

    public Report(String scenario, List<String> command, Map<String, ?> parameters) {
        root.put("schema", SCHEMA);
        root.put("scenario", scenario);
        root.put("command", String.join(" ", command));
        root.put("started_at", Instant.now().toString());
        root.put("machine", Machine.describe().toMap());
        root.put("parameters", new LinkedHashMap<>(parameters));
    }

    /**
     * A headline figure of the appliance; the unit belongs in the name. A value that is not a finite number (a ratio
     * over nothing measured) is left out and said so in the notes, as JSON has no place for it.
     */
    public Report figure(String name, Number value) {
        if (value == null || !Double.isFinite(value.doubleValue())) {
            notes.put("not_measured_" + name, name + " could not be computed (" + value + ") and is left out");
            return this;
        }
        figures.put(name, value);
        return this;
    }

    /** Percentiles of a latency histogram recorded in nanoseconds, in milliseconds. */
    public Report latency(String name, Histogram nanos) {
        latency.put(name, Percentiles.of(nanos).toMap());
        return this;
    }

    /** Percentiles computed elsewhere (for example merged from several workers' histograms), in milliseconds. */
    public Report latency(String name, Percentiles p) {
        latency.put(name, p.toMap());
        return this;
    }

    /** A parameter known only once the run has started (the number of worker processes, a resolved default). */
    public Report parameter(String name, Object value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) root.get("parameters");
        params.put(name, value);
        return this;
    }

    /**
     * A moment worth marking on the time axis of the series (a phase starts, a step is reached), in seconds on the
     * series' clock. The HTML report draws it as a labelled vertical line on every chart.
     */
    public synchronized Report mark(double tSeconds, String label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t_s", tSeconds);
        m.put("label", label);
        marks.add(m);
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
     * two have in common the ratio ours / theirs (computed when the report is written, so figures may still be added
     * after the peer).
     */
    public Report peer(String name, String version, Map<String, ? extends Number> peerFigures, TimeSeries peerSeries) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("version", version == null ? "unknown" : version);
        Map<String, Object> theirFigures = new LinkedHashMap<>();
        peerFigures.forEach((k, v) -> {
            if (v != null && Double.isFinite(v.doubleValue())) {
                theirFigures.put(k, v);
            }
        });
        p.put("figures", theirFigures);
        p.put("ratios_ours_to_theirs", Map.of()); // filled in by toMap(), from the figures as they are then
        p.put("series", peerSeries == null ? null : peerSeries.toMap());
        peers.add(p);
        return this;
    }

    public Map<String, Object> figures() {
        return figures;
    }

    public Map<String, Object> errors() {
        return errors;
    }

    public TimeSeries series() {
        return series;
    }

    /** The whole report as the JSON tree that {@link #write} stores. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(root);
        m.put("finished_at", Instant.now().toString());
        m.put("figures", figures);
        m.put("latency_ms", latency);
        m.put("errors", errors);
        m.put("series", series.toMap());
        List<Map<String, Object>> withRatios = new ArrayList<>();
        for (Map<String, Object> peer : peers) {
            Map<String, Object> p = new LinkedHashMap<>(peer);
            Map<String, Object> ratios = new LinkedHashMap<>();
            ((Map<?, ?>) peer.get("figures")).forEach((k, v) -> {
                double theirs = ((Number) v).doubleValue();
                if (figures.get(k) instanceof Number ours && theirs != 0) {
                    ratios.put((String) k, ours.doubleValue() / theirs);
                }
            });
            p.put("ratios_ours_to_theirs", ratios);
            withRatios.add(p);
        }
        m.put("peers", withRatios);
        m.put("notes", notes);
        synchronized (this) {
            m.put("marks", new ArrayList<>(marks));
        }
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
        Files.writeString(htmlPath(json), HtmlReport.render(tree));
        return json;
    }

    /** Where {@link #write} puts the HTML rendering of a JSON report: the same name ending in .html. */
    public static Path htmlPath(Path json) {
        String name = json.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return json.resolveSibling(base + ".html");
    }

    /** The default report file of a run: {@code DIR/SCENARIO-yyyy-MM-dd-HHmmss.json}, UTC. */
    public static Path defaultPath(Path dir, String scenario, Instant at) {
        return dir.resolve(scenario + "-" + FILE_TIME.format(at) + ".json");
    }

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")
            .withZone(ZoneOffset.UTC);

    /**
     * Reads a report written by {@link #write}.
     *
     * @throws IOException with a message naming the file when it is not JSON, not an object, or not of this schema
     */
    public static Map<String, Object> read(Path json) throws IOException {
        Object parsed;
        try {
            parsed = JSON.readValue(json.toFile(), Object.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(json + " is not a JSON file: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IOException(json + " is not a " + SCHEMA + " report: it is not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) map;
        if (!SCHEMA.equals(tree.get("schema"))) {
            throw new IOException(json + " is not a " + SCHEMA + " report (schema: " + tree.get("schema") + ")");
        }
        List<String> problems = ReportSchema.problems(tree);
        if (!problems.isEmpty()) {
            throw new IOException(json + " claims " + SCHEMA + " but does not follow it: "
                    + String.join("; ", problems));
        }
        return tree;
    }
}
