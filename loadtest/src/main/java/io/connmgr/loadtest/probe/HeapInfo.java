package io.connmgr.loadtest.probe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code jcmd <pid> GC.heap_info}. */
public final class HeapInfo {
    // e.g. " garbage-first heap   total reserved 1048576K, committed 1048576K, used 23456K [0x..."
    private static final Pattern USED = Pattern.compile("(?m)^\\s*\\S.*?heap\\b.*?\\bused (\\d+)K");

    private HeapInfo() {
    }

    public static long usedBytes(String heapInfo) {
        Matcher m = USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IllegalArgumentException("no 'heap ... used NK' line in GC.heap_info output:\n" + heapInfo);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
