package io.connmgr.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * The two kinds of chart the HTML report draws, as inline SVG text: lines over time and horizontal bars. No script and
 * no external resource, so a report opens anywhere, offline, and prints.
 */
final class Svg {
    static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int WIDTH = 760;
    private static final int LINE_HEIGHT = 260;
    private static final int LEFT = 78;
    private static final int RIGHT = 16;
    private static final int TOP = 14;
    private static final int BOTTOM = 34;

    private Svg() {
    }

    /** One line: its times and values (NaN where there is no sample, which breaks the line), colour and style. */
    record Line(String name, double[] t, double[] y, String color, boolean dashed) {
    }

    /** A labelled moment on the time axis. */
    record Mark(double t, String label) {
    }

    /** A bar of a bar chart; {@code group} starts a new block of bars under a heading when it changes. */
    record Bar(String group, String label, double value, String color, String text) {
    }

    static String lineChart(List<Line> lines, List<Mark> marks, DoubleFunction<String> yFormat, boolean fromZero) {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (int i = 0; i < l.t().length && i < l.y().length; i++) {
                double y = l.y()[i];
                if (!Double.isNaN(y) && Double.isFinite(y)) {
                    xMin = Math.min(xMin, l.t()[i]);
                    xMax = Math.max(xMax, l.t()[i]);
                    yMin = Math.min(yMin, y);
                    yMax = Math.max(yMax, y);
                }
            }
        }
        if (!(xMin <= xMax) || !(yMin <= yMax)) {
            return "<p class=\"empty\">no samples</p>";
        }
        for (Mark m : marks) {
            // a mark a moment before the first sample (the sampler starts right after it) still shows
            if (m.t() >= xMin - 0.05 * (xMax - xMin) && m.t() < xMin) {
                xMin = m.t();
            }
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        // Counts start at zero; a level far from zero (RSS of a pre-touched heap) is drawn from near its minimum, or
        // its growth would be a flat line.
        if (fromZero || yMin >= 0 && yMin < 0.5 * yMax) {
            yMin = Math.min(0, yMin);
        }
        double[] ticks = niceTicks(yMin, yMax == yMin ? yMin + 1 : yMax, 5);
        yMin = ticks[0];
        yMax = ticks[ticks.length - 1];
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = LINE_HEIGHT - TOP - BOTTOM;
        final double x0 = xMin, x1 = xMax, y0 = yMin, y1 = yMax;
        DoubleFunction<Double> px = x -> LEFT + (x - x0) / (x1 - x0) * plotW;
        DoubleFunction<Double> py = y -> TOP + plotH - (y - y0) / (y1 - y0) * plotH;

        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">",
                WIDTH, LINE_HEIGHT, WIDTH, LINE_HEIGHT));
        for (double tick : ticks) {
            double y = py.apply(tick);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
                    LEFT, WIDTH - RIGHT, y, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                    LEFT - 6, y + 4, HtmlReport.escape(yFormat.apply(tick))));
        }
        for (double tick : niceTicks(xMin, xMax, 8)) {
            if (tick < xMin || tick > xMax) {
                continue;
            }
            double x = px.apply(tick);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                    x, x, TOP + plotH, TOP + plotH + 4));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>",
                    x, TOP + plotH + 16, HtmlReport.escape(Fmt.clock(tick))));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">time (m:ss)</text>",
                WIDTH - RIGHT, LINE_HEIGHT - 2));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#bbb\"/>",
                LEFT, TOP, plotW, plotH));
        for (int i = 0; i < marks.size(); i++) {
            Mark m = marks.get(i);
            if (m.t() < xMin || m.t() > xMax) {
                continue;
            }
            double x = px.apply(m.t());
            b.append(String.format(Locale.ROOT, "<g class=\"mark\"><title>%s</title>"
                            + "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text></g>",
                    HtmlReport.escape((i + 1) + ": " + m.label() + " at " + Fmt.clock(m.t())), x, x, TOP, TOP + plotH,
                    x, TOP - 3, i + 1));
        }
        for (Line l : lines) {
            StringBuilder points = new StringBuilder();
            List<String> segments = new ArrayList<>();
            double[] t = l.t();
            for (int i = 0; i < t.length && i < l.y().length; i++) {
                double y = l.y()[i];
                if (!Double.isFinite(y)) {
                    if (!points.isEmpty()) {
                        segments.add(points.toString());
                        points.setLength(0);
                    }
                    continue;
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.apply(t[i]), py.apply(y)));
            }
            if (!points.isEmpty()) {
                segments.add(points.toString());
            }
            b.append("<g><title>").append(HtmlReport.escape(l.name())).append("</title>");
            for (String seg : segments) {
                if (seg.trim().indexOf(' ') < 0) {
                    // a lone sample: a dot, or it would not show
                    String[] xy = seg.trim().split(",");
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"2.5\" fill=\"%s\"/>", xy[0],
                            xy[1], l.color()));
                } else {
                    b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s "
                            + "points=\"%s\"/>", l.color(), l.dashed() ? " stroke-dasharray=\"6 4\"" : "", seg.trim()));
                }
            }
            b.append("</g>");
        }
        b.append("</svg>");
        return b.toString();
    }

    /** Horizontal bars, each scaled to the largest of its chart (or, in log scale, from the smallest). */
    static String barChart(List<Bar> bars, boolean log) {
        double max = 0, minPositive = Double.POSITIVE_INFINITY;
        for (Bar bar : bars) {
            max = Math.max(max, bar.value());
            if (bar.value() > 0) {
                minPositive = Math.min(minPositive, bar.value());
            }
        }
        int labelW = 190;
        int valueW = 150;
        int barH = 18;
        int gap = 5;
        int groupH = 20;
        int plotW = WIDTH - labelW - valueW;
        int height = 6;
        String group = null;
        for (Bar bar : bars) {
            if (bar.group() != null && !bar.group().equals(group)) {
                height += groupH;
                group = bar.group();
            }
            height += barH + gap;
        }
        double lo = log && minPositive < Double.POSITIVE_INFINITY ? Math.log10(minPositive) - 0.3 : 0;
        double hi = log && max > 0 ? Math.log10(max) : max;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">",
                WIDTH, height, WIDTH, height));
        int y = 6;
        group = null;
        for (Bar bar : bars) {
            if (bar.group() != null && !bar.group().equals(group)) {
                group = bar.group();
                b.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" class=\"group\">%s</text>", y + 14,
                        HtmlReport.escape(group)));
                y += groupH;
            }
            double frac;
            if (bar.value() <= 0 || hi <= lo) {
                frac = bar.value() > 0 ? 1 : 0;
            } else {
                frac = log ? (Math.log10(bar.value()) - lo) / (hi - lo) : bar.value() / hi;
            }
            double w = Math.max(bar.value() > 0 ? 1 : 0, frac * plotW);
            b.append(String.format(Locale.ROOT, "<g><title>%s: %s</title>"
                            + "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"end\">%s</text>"
                            + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" class=\"value\">%s</text></g>",
                    HtmlReport.escape(bar.label()), HtmlReport.escape(bar.text()), labelW - 8, y + barH - 5,
                    HtmlReport.escape(bar.label()), labelW, y, w, barH, bar.color(), labelW + w + 6, y + barH - 5,
                    HtmlReport.escape(bar.text())));
            y += barH + gap;
        }
        b.append("</svg>");
        return b.toString();
    }

    /**
     * About {@code count} round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart), the first at
     * or below lo and the last at or above hi.
     */
    static double[] niceTicks(double lo, double hi, int count) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double step = niceStep((hi - lo) / Math.max(1, count));
        double first = Math.floor(lo / step) * step;
        double last = Math.ceil(hi / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] ticks = new double[Math.min(n, 50)];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = first + i * step;
        }
        return ticks;
    }

    static double niceStep(double raw) {
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / pow;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * pow;
    }
}
