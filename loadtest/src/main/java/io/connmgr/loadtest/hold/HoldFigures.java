package io.connmgr.loadtest.hold;

import io.connmgr.loadtest.density.LinearFit;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one measured target (the appliance in one tier, or a peer), from what {@link HoldPhase} measured.
 * The same maths for every target, so a peer's figures compare with ours name for name.
 */
final class HoldFigures {
    /** The connection count the per-connection cost is extrapolated to. */
    static final double MILLION = 1_000_000;

    private HoldFigures() {
    }

    /**
     * Memory of the target with {@code devices} connected.
     *
     * @param liveHeapBytes live heap after full collections, or -1 when not measured (not a JVM, or switched off)
     */
    record Point(long devices, long rssBytes, long liveHeapBytes) {
    }

    /**
     * Everything measured of one target.
     *
     * @param connectSeconds     time spent in the connect calls of all steps
     * @param connectedInSteps   devices connected by those calls
     * @param quietCpuSeconds    target CPU in the quiet window (no keep-alives), over {@code quietSeconds}
     * @param holdCpuSeconds     target CPU in the hold window (keep-alives flowing), over {@code holdSeconds}
     * @param keepAlivesAnswered answers the devices received in the hold window
     * @param rssAfterHoldBytes  RSS at the end of the hold window, without forcing a collection
     * @param handshakeNanos     connect-to-accepted time of every device, or null
     */
    record Measured(Point baseline, List<Point> points, double connectSeconds, long connectedInSteps,
                    double quietSeconds, double quietCpuSeconds, double holdSeconds, double holdCpuSeconds,
                    long keepAlivesAnswered, long rssAfterHoldBytes, long peakRssBytes, double peakCpuCores,
                    Histogram handshakeNanos) {
    }

    /**
     * @param preTouchedHeap whether the target's heap was committed and touched at start (-Xms = -Xmx with
     *                       AlwaysPreTouch): then RSS grows only off-heap, and live heap + RSS slope is the cost per
     *                       connection; otherwise RSS alone is
     */
    static Map<String, Number> of(Measured m, boolean preTouchedHeap) {
        Map<String, Number> f = new LinkedHashMap<>();
        List<Point> points = m.points();
        if (points.isEmpty()) {
            return f;
        }
        Point top = points.getLast();
        f.put("devices", top.devices());
        double rssPerConnection;
        if (points.size() >= 2 && points.getFirst().devices() != top.devices()) {
            LinearFit rss = fit(points, false);
            rssPerConnection = rss.slope();
            f.put("rss_bytes_per_connection", rss.slope());
            f.put("rss_fit_r2", rss.r2());
        } else {
            rssPerConnection = perConnection(top.rssBytes(), m.baseline().rssBytes(), top.devices());
            f.put("rss_bytes_per_connection", rssPerConnection);
        }
        double bytesPerConnection = rssPerConnection;
        boolean heap = m.baseline().liveHeapBytes() >= 0 && points.stream().allMatch(p -> p.liveHeapBytes() >= 0);
        if (heap) {
            double heapPerConnection;
            if (points.size() >= 2 && points.getFirst().devices() != top.devices()) {
                LinearFit h = fit(points, true);
                heapPerConnection = h.slope();
                f.put("live_heap_bytes_per_connection", h.slope());
                f.put("live_heap_fit_r2", h.r2());
            } else {
                heapPerConnection = perConnection(top.liveHeapBytes(), m.baseline().liveHeapBytes(), top.devices());
                f.put("live_heap_bytes_per_connection", heapPerConnection);
            }
            if (preTouchedHeap) {
                bytesPerConnection = heapPerConnection + rssPerConnection;
            }
        }
        f.put("bytes_per_connection", bytesPerConnection);
        f.put("extrapolated_1m_connection_bytes", bytesPerConnection * MILLION);
        f.put("rss_bytes_per_connection_after_hold",
                perConnection(m.rssAfterHoldBytes(), m.baseline().rssBytes(), top.devices()));
        f.put("baseline_rss_bytes", m.baseline().rssBytes());
        f.put("peak_rss_bytes", m.peakRssBytes());
        f.put("peak_cpu_cores", m.peakCpuCores());
        if (m.connectSeconds() > 0) {
            f.put("connect_rate_per_s", m.connectedInSteps() / m.connectSeconds());
        }
        if (m.handshakeNanos() != null && m.handshakeNanos().getTotalCount() > 0) {
            f.put("connect_latency_p50_ms", m.handshakeNanos().getValueAtPercentile(50) / 1e6);
            f.put("connect_latency_p99_ms", m.handshakeNanos().getValueAtPercentile(99) / 1e6);
        }
        if (m.quietSeconds() > 0) {
            f.put("quiet_cpu_cores", m.quietCpuSeconds() / m.quietSeconds());
        }
        if (m.holdSeconds() > 0) {
            f.put("keepalives_answered", m.keepAlivesAnswered());
            f.put("keepalives_per_s", m.keepAlivesAnswered() / m.holdSeconds());
            f.put("hold_cpu_cores", m.holdCpuSeconds() / m.holdSeconds());
            if (m.keepAlivesAnswered() > 0) {
                f.put("cpu_us_per_keepalive_raw", m.holdCpuSeconds() / m.keepAlivesAnswered() * 1e6);
                if (m.quietSeconds() > 0) {
                    double background = m.quietCpuSeconds() / m.quietSeconds() * m.holdSeconds();
                    f.put("cpu_us_per_keepalive", (m.holdCpuSeconds() - background) / m.keepAlivesAnswered() * 1e6);
                }
            }
        }
        return f;
    }

    static double perConnection(long bytes, long baselineBytes, long devices) {
        return devices <= 0 ? Double.NaN : (double) (bytes - baselineBytes) / devices;
    }

    private static LinearFit fit(List<Point> points, boolean liveHeap) {
        List<LinearFit.Point> xy = new ArrayList<>();
        for (Point p : points) {
            xy.add(new LinearFit.Point(p.devices(), liveHeap ? p.liveHeapBytes() : p.rssBytes()));
        }
        return LinearFit.of(xy);
    }

    /** The device counts at which memory is read: {@code steps} even steps up to {@code devices}, ascending, distinct. */
    static List<Integer> steps(int devices, int steps) {
        if (devices < 1 || steps < 1) {
            throw new IllegalArgumentException("need at least one device and one step");
        }
        List<Integer> out = new ArrayList<>();
        for (int k = 1; k <= steps; k++) {
            int n = (int) Math.round((double) devices * k / steps);
            if (n >= 1 && (out.isEmpty() || n > out.getLast())) {
                out.add(n);
            }
        }
        return out;
    }

    /** Whether JVM options fix and pre-touch the heap (so RSS no longer moves with heap sizing). */
    static boolean preTouched(List<String> jvmOptions) {
        String xms = null, xmx = null;
        boolean touch = false;
        for (String o : jvmOptions) {
            if (o.startsWith("-Xms")) {
                xms = o.substring(4);
            } else if (o.startsWith("-Xmx")) {
                xmx = o.substring(4);
            } else if (o.equals("-XX:+AlwaysPreTouch")) {
                touch = true;
            } else if (o.equals("-XX:-AlwaysPreTouch")) {
                touch = false;
            }
        }
        return touch && xms != null && xms.equalsIgnoreCase(xmx);
    }
}
