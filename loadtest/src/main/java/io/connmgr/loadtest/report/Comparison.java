package io.connmgr.loadtest.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The differences between two reports: every figure, latency percentile, error count, peer figure and peer ratio
 * present in either, with A, B, B − A and the change in percent of A. Knows nothing of scenarios: the schema's flat
 * names are enough.
 */
public final class Comparison {
    /** Where a compared number lives in the report. */
    public enum Section { FIGURE, LATENCY, ERROR, PEER, RATIO }

    /**
     * One compared number; {@code a} or {@code b} is NaN when only the other report has it.
     *
     * @param name the figure's name; a latency is {@code NAME.p99}, a peer's figure {@code PEER:NAME}, a ratio
     *             {@code PEER:NAME}
     */
    public record Row(Section section, String name, double a, double b) {
        public double delta() {
            return b - a;
        }

        /** Change in percent of A; NaN when A is zero or either side is missing. */
        public double deltaPercent() {
            return a == 0 ? Double.NaN : (b - a) / Math.abs(a) * 100;
        }

        public boolean onlyInOne() {
            return Double.isNaN(a) != Double.isNaN(b);
        }
    }

    /** Parameters that only say where output went: they differ between any two runs and change no figure. */
    private static final Set<String> WHERE_TO_WRITE = Set.of("out", "report", "scenario", "keep-logs");

    private final List<Row> rows;
    private final List<String> differences;

    private Comparison(List<Row> rows, List<String> differences) {
        this.rows = rows;
        this.differences = differences;
    }

    public static Comparison of(Map<String, Object> a, Map<String, Object> b) {
        List<Row> rows = new ArrayList<>();
        flat(rows, Section.FIGURE, map(a.get("figures")), map(b.get("figures")), "");
        Map<String, Object> la = map(a.get("latency_ms"));
        Map<String, Object> lb = map(b.get("latency_ms"));
        for (String name : union(la, lb)) {
            Map<String, Object> pa = map(la.get(name));
            Map<String, Object> pb = map(lb.get(name));
            for (String k : List.of("count", "p50", "p90", "p99", "p99_9", "max", "mean")) {
                rows.add(new Row(Section.LATENCY, name + "." + k, num(pa.get(k)), num(pb.get(k))));
            }
        }
        flat(rows, Section.ERROR, map(a.get("errors")), map(b.get("errors")), "");
        Map<String, Map<String, Object>> peersA = peers(a);
        Map<String, Map<String, Object>> peersB = peers(b);
        Set<String> peerNames = new LinkedHashSet<>(peersA.keySet());
        peerNames.addAll(peersB.keySet());
        for (String peer : peerNames) {
            Map<String, Object> pa = peersA.getOrDefault(peer, Map.of());
            Map<String, Object> pb = peersB.getOrDefault(peer, Map.of());
            flat(rows, Section.PEER, map(pa.get("figures")), map(pb.get("figures")), peer + ":");
            flat(rows, Section.RATIO, map(pa.get("ratios_ours_to_theirs")), map(pb.get("ratios_ours_to_theirs")),
                    peer + ":");
        }
        return new Comparison(rows, differences(a, b));
    }

    public List<Row> rows() {
        return rows;
    }

    /** What differs between the two runs' scenario, machine and parameters: figures of unlike runs mislead. */
    public List<String> differences() {
        return differences;
    }

    /**
     * The table {@code bin/cm loadtest compare} prints. Rows whose change is at least {@code thresholdPercent} in
     * either direction are marked {@code *}; peer ratios (ours / theirs) are marked {@code ratio}.
     */
    public String render(String nameA, String nameB, double thresholdPercent) {
        StringBuilder out = new StringBuilder();
        out.append("A: ").append(nameA).append('\n').append("B: ").append(nameB).append('\n');
        for (String d : differences) {
            out.append("note: ").append(d).append('\n');
        }
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"section", "name", "A", "B", "delta", "delta %", ""});
        for (Row r : rows) {
            String unitName = r.section() == Section.RATIO ? "ratio"
                    : r.section() == Section.LATENCY && !r.name().endsWith(".count") ? r.name() + "_ms"
                    : r.name().substring(r.name().indexOf(':') + 1);
            String mark = r.section() == Section.RATIO ? "ratio ours/theirs" : "";
            if (r.onlyInOne()) {
                mark = (mark.isEmpty() ? "" : mark + ", ") + (Double.isNaN(r.a()) ? "only in B" : "only in A");
            } else if (Math.abs(r.deltaPercent()) >= thresholdPercent) {
                mark = "*" + (mark.isEmpty() ? "" : " " + mark);
            }
            boolean ratio = r.section() == Section.RATIO;
            cells.add(new String[] {r.section().name().toLowerCase(Locale.ROOT), r.name(),
                    ratio ? ratio(r.a()) : Fmt.withUnit(unitName, r.a()), ratio ? ratio(r.b()) : Fmt.withUnit(unitName, r.b()),
                    Fmt.signed(unitName, r.delta()), Fmt.percent(r.deltaPercent()), mark});
        }
        int[] width = new int[7];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean right = i >= 2 && i <= 5;
                String c = row[i];
                String pad = " ".repeat(width[i] - c.length());
                line.append(right ? pad + c : c + pad).append(i < row.length - 1 ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        if (rows.isEmpty()) {
            out.append("(neither report has figures)\n");
        }
        return out.toString();
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3g×", v);
    }

    private static void flat(List<Row> rows, Section section, Map<String, Object> a, Map<String, Object> b,
                             String prefix) {
        for (String name : union(a, b)) {
            rows.add(new Row(section, prefix + name, num(a.get(name)), num(b.get(name))));
        }
    }

    private static List<String> differences(Map<String, Object> a, Map<String, Object> b) {
        List<String> d = new ArrayList<>();
        if (!Objects.equals(a.get("scenario"), b.get("scenario"))) {
            d.add("different scenarios: " + a.get("scenario") + " vs " + b.get("scenario"));
        }
        Map<String, Object> ma = map(a.get("machine"));
        Map<String, Object> mb = map(b.get("machine"));
        for (String k : List.of("cores", "memory_bytes", "kernel", "jdk", "cpu_model", "open_files_limit")) {
            if (!Objects.equals(ma.get(k), mb.get(k))) {
                d.add("machine " + k + " differs: " + ma.get(k) + " vs " + mb.get(k));
            }
        }
        Map<String, Object> pa = map(a.get("parameters"));
        Map<String, Object> pb = map(b.get("parameters"));
        for (String k : union(pa, pb)) {
            if (!WHERE_TO_WRITE.contains(k) && !Objects.equals(pa.get(k), pb.get(k))) {
                d.add("parameter " + k + " differs: " + pa.get(k) + " vs " + pb.get(k));
            }
        }
        return d;
    }

    private static Map<String, Map<String, Object>> peers(Map<String, Object> tree) {
        Map<String, Map<String, Object>> m = new java.util.LinkedHashMap<>();
        if (tree.get("peers") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> p = map(o);
                m.put(String.valueOf(p.get("name")), p);
            }
        }
        return m;
    }

    private static Set<String> union(Map<String, Object> a, Map<String, Object> b) {
        Set<String> s = new LinkedHashSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    private static Map<String, Object> map(Object o) {
        return HtmlReport.map(o);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
