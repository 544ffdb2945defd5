package io.connmgr.loadtest.probe;

import io.connmgr.loadtest.density.DensityResults.HeapGrowth;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code jcmd <pid> GC.class_histogram} and tells which classes grew with the number of devices. */
public final class ClassHistogram {
    //    1:         12345        1234560  [B (java.base@25)
    private static final Pattern ROW = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    public record Row(long instances, long bytes) {
    }

    private ClassHistogram() {
    }

    public static Map<String, Row> parse(String histogram) {
        Map<String, Row> rows = new HashMap<>();
        Matcher m = ROW.matcher(histogram);
        while (m.find()) {
            rows.merge(m.group(3), new Row(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                    (a, b) -> new Row(a.instances() + b.instances(), a.bytes() + b.bytes()));
        }
        return rows;
    }

    /** The {@code limit} classes whose bytes grew most from {@code before} to {@code after}, per added device. */
    public static List<HeapGrowth> growth(Map<String, Row> before, Map<String, Row> after, int addedDevices,
                                          int limit) {
        if (addedDevices <= 0) {
            return List.of();
        }
        return after.entrySet().stream().map(e -> {
                    Row b = before.getOrDefault(e.getKey(), new Row(0, 0));
                    return new HeapGrowth(e.getKey(), (e.getValue().instances() - b.instances()) / (double) addedDevices,
                            (e.getValue().bytes() - b.bytes()) / (double) addedDevices);
                })
                .sorted(Comparator.comparingDouble(HeapGrowth::bytesPerDevice).reversed())
                .limit(limit)
                .toList();
    }
}
