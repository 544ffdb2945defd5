package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.probe.AdminClient;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A few of the appliance's own Prometheus metrics ({@code GET /metrics}), summed over their labels, as columns of the
 * sampled time series: what the appliance says it did next to what the load generator counted.
 */
public final class ApplianceMetrics {
    /** Column name → metric name (every sample of the metric, whatever its labels, is summed). */
    static final Map<String, String> COLUMNS = columns();

    private final AdminClient admin;

    public ApplianceMetrics(AdminClient admin) {
        this.admin = admin;
    }

    private static Map<String, String> columns() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("heap_used_bytes", "jvm_memory_used_bytes{area=\"heap\"");
        m.put("gc_pause_seconds", "jvm_gc_pause_seconds_sum");
        m.put("threads", "jvm_threads_live_threads");
        m.put("wakes", "cm_wakes_total");
        m.put("rpc_calls", "cm_rpc_calls_total");
        m.put("rpc_pending", "cm_rpc_pending");
        m.put("messages_sent", "cm_messages_sent_total");
        m.put("messages_delivered", "cm_messages_delivered_total");
        m.put("messages_queue_depth", "cm_messages_queue_depth");
        m.put("streams_opened", "cm_streams_opened_total");
        m.put("streams_active", "cm_streams_active");
        m.put("keepalives_answered", "cm_keepalives_answered_total");
        m.put("sleep_table_bytes", "cm_sleep_table_bytes");
        return m;
    }

    /** One sample of every column; empty when the appliance does not answer (the gap shows in the series). */
    public Map<String, Number> sample() {
        String text;
        try {
            text = admin.metrics();
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        Map<String, Number> row = new LinkedHashMap<>();
        COLUMNS.forEach((column, metric) -> {
            double v = sum(text, metric);
            if (!Double.isNaN(v)) {
                row.put(column, v);
            }
        });
        return row;
    }

    /**
     * The sum of every sample of a metric in Prometheus text format. {@code selector} is the metric name, optionally
     * followed by the start of its label set ({@code name{area="heap"}); NaN when no sample matches.
     */
    public static double sum(String text, String selector) {
        int brace = selector.indexOf('{');
        String name = brace < 0 ? selector : selector.substring(0, brace);
        String labels = brace < 0 ? null : selector.substring(brace);
        double total = 0;
        boolean any = false;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(name)) {
                continue;
            }
            int end = name.length();
            if (line.length() == end || (line.charAt(end) != '{' && line.charAt(end) != ' ')) {
                continue; // a longer name sharing the prefix
            }
            if (labels != null && !line.startsWith(labels, end)) {
                continue;
            }
            int valueStart = line.charAt(end) == '{' ? line.lastIndexOf('}') + 1 : end;
            String[] rest = line.substring(valueStart).trim().split("\\s+");
            try {
                total += Double.parseDouble(rest[0]);
                any = true;
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return any ? total : Double.NaN;
    }
}
