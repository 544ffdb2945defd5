package io.connmgr.loadtest.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU ticks of each thread of a process, grouped by thread name, so a window's cost can be attributed (sleep loop,
 * event loops, GC, JIT, timers). Java names its native threads, truncated by the kernel to 15 characters.
 */
public final class ThreadCpu {
    private ThreadCpu() {
    }

    public static Map<String, Long> snapshot(long pid) throws IOException {
        Map<String, Long> byName = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // User and kernel time apart: on loopback the kernel share includes the peer's TCP receive.
                    long[] us = ProcFiles.parseUserSystemTicks(stat);
                    String name = groupName(commOf(stat));
                    byName.merge(name + " usr", us[0], Long::sum);
                    byName.merge(name + " sys", us[1], Long::sum);
                } catch (IOException | IllegalArgumentException gone) {
                    // the thread ended between listing and reading
                }
            }
        }
        return byName;
    }

    /** The largest per-name increases from {@code before} to {@code after}, most first. */
    public static Map<String, Long> top(Map<String, Long> before, Map<String, Long> after, int limit) {
        Map<String, Long> out = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(limit)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static String commOf(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open >= 0 && close > open ? stat.substring(open + 1, close) : "?";
    }

    /** Threads of a pool differ only by a trailing number: count them together. */
    static String groupName(String comm) {
        return comm.replaceAll("[-#_ ]?\\d+$", "");
    }

}
