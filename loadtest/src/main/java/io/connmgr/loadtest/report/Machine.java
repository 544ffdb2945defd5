package io.connmgr.loadtest.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a run ran on: every report carries it, so figures from different machines are never mistaken for each other. */
public record Machine(int cores, long memoryBytes, String kernel, String os, String jdk, String cpuModel,
                      long openFilesLimit, String loadAverage) {

    public static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(), memTotal(), read("/proc/sys/kernel/osrelease"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), Runtime.version().toString(),
                readCpuModel(), readOpenFilesLimit(), read("/proc/loadavg"));
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", cores);
        m.put("memory_bytes", memoryBytes);
        m.put("kernel", kernel);
        m.put("os", os);
        m.put("jdk", jdk);
        m.put("cpu_model", cpuModel);
        m.put("open_files_limit", openFilesLimit);
        m.put("load_average_at_start", loadAverage);
        return m;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long memTotal() {
        for (String line : read("/proc/meminfo").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    private static String readCpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown";
    }

    /** The soft limit of open files of this process (what a worker may use), from /proc/self/limits. */
    public static long readOpenFilesLimit() {
        for (String line : read("/proc/self/limits").split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
            }
        }
        return -1;
    }
}
