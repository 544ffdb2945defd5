package io.connmgr.loadtest.report;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a report tree against schema {@value Report#SCHEMA} as docs/loadtest.md documents it: every required key
 * present with its type, numbers where numbers belong, series columns as long as {@code t_s}, percentiles in order.
 * {@link Report#read} refuses a file that fails it, so {@code compare} never diffs half a report.
 */
public final class ReportSchema {
    /** The top-level keys every report has, in the order {@link Report#toMap} writes them. */
    public static final List<String> REQUIRED = List.of("schema", "scenario", "command", "started_at", "machine",
            "parameters", "finished_at", "figures", "latency_ms", "errors", "series", "peers", "notes");
    public static final List<String> MACHINE_NUMBERS = List.of("cores", "memory_bytes", "open_files_limit");
    public static final List<String> MACHINE_TEXTS = List.of("kernel", "os", "jdk", "cpu_model",
            "load_average_at_start");
    public static final List<String> PERCENTILES = List.of("p50", "p90", "p99", "p99_9", "max");

    private ReportSchema() {
    }

    /** What is wrong with {@code tree}; empty when it follows the schema. */
    public static List<String> problems(Map<String, Object> tree) {
        List<String> p = new ArrayList<>();
        for (String key : REQUIRED) {
            if (!tree.containsKey(key)) {
                p.add("missing key " + key);
            }
        }
        if (!p.isEmpty()) {
            return p;
        }
        if (!Report.SCHEMA.equals(tree.get("schema"))) {
            p.add("schema is " + tree.get("schema") + ", not " + Report.SCHEMA);
        }
        text(tree, "scenario", p);
        text(tree, "command", p);
        instant(tree, "started_at", p);
        instant(tree, "finished_at", p);
        if (object(tree, "machine", p) instanceof Map<?, ?> machine) {
            for (String k : MACHINE_NUMBERS) {
                if (!(machine.get(k) instanceof Number)) {
                    p.add("machine." + k + " is not a number");
                }
            }
            for (String k : MACHINE_TEXTS) {
                if (!(machine.get(k) instanceof String)) {
                    p.add("machine." + k + " is not a string");
                }
            }
        }
        object(tree, "parameters", p);
        numbers(tree, "figures", "figures", p);
        if (object(tree, "latency_ms", p) instanceof Map<?, ?> latency) {
            latency.forEach((name, v) -> percentiles("latency_ms." + name, v, p));
        }
        if (object(tree, "errors", p) instanceof Map<?, ?> errors) {
            errors.forEach((name, v) -> {
                if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
                    p.add("errors." + name + " is not a count");
                }
            });
        }
        if (object(tree, "series", p) instanceof Map<?, ?> series) {
            series("series", series, p);
        }
        if (!(tree.get("peers") instanceof List<?> peers)) {
            p.add("peers is not a list");
        } else {
            for (int i = 0; i < peers.size(); i++) {
                peer("peers[" + i + "]", peers.get(i), p);
            }
        }
        if (object(tree, "notes", p) instanceof Map<?, ?> notes) {
            notes.forEach((name, v) -> {
                if (!(v instanceof String)) {
                    p.add("notes." + name + " is not a string");
                }
            });
        }
        if (tree.containsKey("marks")) {
            if (!(tree.get("marks") instanceof List<?> marks)) {
                p.add("marks is not a list");
            } else {
                for (Object m : marks) {
                    if (!(m instanceof Map<?, ?> mark) || !(mark.get("t_s") instanceof Number)
                            || !(mark.get("label") instanceof String)) {
                        p.add("marks holds an entry without a numeric t_s and a label: " + m);
                    }
                }
            }
        }
        return p;
    }

    private static void text(Map<String, Object> tree, String key, List<String> p) {
        if (!(tree.get(key) instanceof String s) || s.isBlank()) {
            p.add(key + " is not a non-empty string");
        }
    }

    private static void instant(Map<String, Object> tree, String key, List<String> p) {
        try {
            Instant.parse(String.valueOf(tree.get(key)));
        } catch (DateTimeParseException e) {
            p.add(key + " is not an ISO-8601 instant: " + tree.get(key));
        }
    }

    private static Object object(Map<String, Object> tree, String key, List<String> p) {
        Object v = tree.get(key);
        if (!(v instanceof Map<?, ?>)) {
            p.add(key + " is not an object");
            return null;
        }
        return v;
    }

    private static void numbers(Map<String, Object> tree, String key, String path, List<String> p) {
        if (object(tree, key, p) instanceof Map<?, ?> m) {
            numberMap(path, m, p);
        }
    }

    private static void numberMap(String path, Map<?, ?> m, List<String> p) {
        m.forEach((name, v) -> {
            if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                p.add(path + "." + name + " is not a finite number: " + v);
            }
        });
    }

    private static void percentiles(String path, Object v, List<String> p) {
        if (!(v instanceof Map<?, ?> m)) {
            p.add(path + " is not an object");
            return;
        }
        if (!(m.get("count") instanceof Number count) || count.doubleValue() < 0) {
            p.add(path + ".count is not a count");
        }
        double previous = 0;
        for (String k : PERCENTILES) {
            if (!(m.get(k) instanceof Number n)) {
                p.add(path + "." + k + " is not a number");
                return;
            }
            if (n.doubleValue() < previous) {
                p.add(path + "." + k + " is below the percentile before it");
            }
            previous = n.doubleValue();
        }
        if (!(m.get("mean") instanceof Number)) {
            p.add(path + ".mean is not a number");
        }
    }

    private static void series(String path, Map<?, ?> series, List<String> p) {
        if (series.isEmpty()) {
            return;
        }
        if (!(series.get("t_s") instanceof List<?> t)) {
            p.add(path + ".t_s is missing");
            return;
        }
        double previous = Double.NEGATIVE_INFINITY;
        for (Object x : t) {
            if (!(x instanceof Number n)) {
                p.add(path + ".t_s holds a non-number");
                return;
            }
            if (n.doubleValue() < previous) {
                p.add(path + ".t_s goes back in time at " + n);
                return;
            }
            previous = n.doubleValue();
        }
        series.forEach((name, col) -> {
            if (!(col instanceof List<?> values) || values.size() != t.size()) {
                p.add(path + "." + name + " is not a list as long as t_s");
            } else if (values.stream().anyMatch(x -> x != null && !(x instanceof Number))) {
                p.add(path + "." + name + " holds something other than numbers and nulls");
            }
        });
    }

    private static void peer(String path, Object v, List<String> p) {
        if (!(v instanceof Map<?, ?> peer)) {
            p.add(path + " is not an object");
            return;
        }
        if (!(peer.get("name") instanceof String)) {
            p.add(path + ".name is not a string");
        }
        if (!(peer.get("version") instanceof String)) {
            p.add(path + ".version is not a string");
        }
        for (String k : List.of("figures", "ratios_ours_to_theirs")) {
            if (!(peer.get(k) instanceof Map<?, ?> m)) {
                p.add(path + "." + k + " is not an object");
            } else {
                numberMap(path + "." + k, m, p);
            }
        }
        Object s = peer.get("series");
        if (s != null) {
            if (!(s instanceof Map<?, ?> m)) {
                p.add(path + ".series is not an object");
            } else {
                series(path + ".series", m, p);
            }
        }
    }
}
