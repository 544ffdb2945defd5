package io.connmgr.loadtest.density;

import io.connmgr.loadtest.density.DensityResults.MemoryPoint;
import io.connmgr.loadtest.density.DensityResults.TierResult;

import java.util.List;

/** The human-readable summary printed at the end of a run. */
final class DensityTable {
    private DensityTable() {
    }

    static String render(List<TierResult> tiers) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%n%-7s %8s %12s %12s %14s %14s%n", "tier", "N", "RSS MiB", "heap MiB",
                "RSS B/conn*", "heap B/conn*"));
        for (TierResult t : tiers) {
            if (t.error() != null) {
                b.append(String.format("%-7s failed: %s%n", t.tier(), t.error()));
                continue;
            }
            MemoryPoint base = t.baseline();
            b.append(String.format("%-7s %8d %12.1f %12.1f %14s %14s%n", t.tier(), 0, mib(base.rssBytes()),
                    mib(base.liveHeapBytes()), "-", "-"));
            for (MemoryPoint p : t.points()) {
                b.append(String.format("%-7s %8d %12.1f %12.1f %14.0f %14.0f%n", t.tier(), p.devices(),
                        mib(p.rssBytes()), mib(p.liveHeapBytes()),
                        (double) (p.rssBytes() - base.rssBytes()) / p.devices(),
                        (double) (p.liveHeapBytes() - base.liveHeapBytes()) / p.devices()));
            }
        }
        b.append("* against the N=0 baseline of the same process\n\n");
        b.append(String.format("%-7s %16s %16s %10s %14s %14s %10s %10s%n", "tier", "RSS slope B/conn",
                "heap slope B/conn", "R2 rss/heap", "us/PING raw", "us/PING net", "MSG p50 us", "MSG p99 us"));
        for (TierResult t : tiers) {
            if (t.error() != null) {
                continue;
            }
            b.append(String.format("%-7s %16s %16s %10s %14s %14s %10s %10s%n", t.tier(),
                    t.rssFit() == null ? "-" : String.format("%.0f", t.rssFit().slope()),
                    t.liveHeapFit() == null ? "-" : String.format("%.0f", t.liveHeapFit().slope()),
                    t.rssFit() == null ? "-" : String.format("%.3f/%.3f", t.rssFit().r2(), t.liveHeapFit().r2()),
                    t.cpu() == null ? "-" : String.format("%.2f", t.cpu().rawMicrosPerPing()),
                    t.cpu() == null ? "-" : String.format("%.2f", t.cpu().netMicrosPerPing()),
                    t.msgToAck() == null ? "-" : String.format("%.0f", t.msgToAck().p50()),
                    t.msgToAck() == null ? "-" : String.format("%.0f", t.msgToAck().p99())));
        }
        return b.toString();
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
