package io.connmgr.loadtest.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads another process's memory and CPU time from /proc; the parsers are separate so they can be tested. */
public final class ProcFiles {
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB");

    private ProcFiles() {
    }

    public static long rssBytes(long pid) throws IOException {
        return parseRssBytes(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** Descriptors the process has open now (entries of /proc/PID/fd). */
    public static long openFiles(long pid) throws IOException {
        try (var entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return entries.count();
        }
    }

    /** utime + stime in clock ticks. */
    public static long cpuTicks(long pid) throws IOException {
        return parseCpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    public static long parseRssBytes(String status) {
        Matcher m = VM_RSS.matcher(status);
        if (!m.find()) {
            throw new IllegalArgumentException("no VmRSS line in /proc/<pid>/status");
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /**
     * The command name (field 2) is in parentheses and may itself contain spaces and parentheses, so fields are
     * counted from the last ')'. utime and stime are fields 14 and 15.
     */
    public static long parseCpuTicks(String stat) {
        long[] us = parseUserSystemTicks(stat);
        return us[0] + us[1];
    }

    /** {utime, stime} in clock ticks. */
    public static long[] parseUserSystemTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("malformed /proc/<pid>/stat: no ')'");
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state), so field k is rest[k - 3].
        if (rest.length < 13) {
            throw new IllegalArgumentException("malformed /proc/<pid>/stat: " + rest.length + " fields after comm");
        }
        return new long[] {Long.parseLong(rest[11]), Long.parseLong(rest[12])};
    }
}
