package io.connmgr.appliance.tier;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.function.IntSupplier;

/**
 * The seed's performance monitor (FIG 21): when heap use after the last collection, or the number of awake
 * connections, crosses its threshold, it says how many of the longest-quiet connections to put to sleep.
 */
public final class PressureMonitor {
    private final int heapPercentLimit;
    private final int maxAwake;
    private final IntSupplier heapPercentAfterGc;

    public PressureMonitor(int heapPercentLimit, int maxAwake) {
        this(heapPercentLimit, maxAwake, PressureMonitor::heapPercentAfterLastGc);
    }

    public PressureMonitor(int heapPercentLimit, int maxAwake, IntSupplier heapPercentAfterGc) {
        this.heapPercentLimit = heapPercentLimit;
        this.maxAwake = maxAwake;
        this.heapPercentAfterGc = heapPercentAfterGc;
    }

    /** How many awake connections to demote now; 0 when there is no pressure. */
    public int excess(int awake) {
        int over = Math.max(0, awake - maxAwake);
        if (heapPercentAfterGc.getAsInt() > heapPercentLimit) {
            // Heap pressure has no exact count to shed: a tenth per round converges without emptying the tier.
            over = Math.max(over, Math.max(1, awake / 10));
        }
        return Math.min(over, awake);
    }

    public boolean overConnectionLimit(int awake) {
        return awake > maxAwake;
    }

    /** Heap in use after the last GC as a percentage of the maximum heap; garbage does not count. */
    static int heapPercentAfterLastGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterGc != null) {
                used += afterGc.getUsed();
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        return max <= 0 ? 0 : (int) (100 * used / max);
    }
}
