package io.connmgr.loadtest.density;

import java.util.List;

/**
 * Ordinary least-squares line through (x, y) points. The slope of memory against connection count is the cost per
 * connection; fitting over several counts cancels one-off allocations that a two-point difference would attribute to
 * the connections.
 *
 * @param slope     change in y per unit of x
 * @param intercept y at x = 0
 * @param r2        coefficient of determination; near 1 when the points lie on the line
 */
public record LinearFit(double slope, double intercept, double r2) {

    public record Point(double x, double y) {
    }

    public static LinearFit of(List<Point> points) {
        if (points.size() < 2) {
            throw new IllegalArgumentException("a line needs at least two points, got " + points.size());
        }
        int n = points.size();
        double meanX = points.stream().mapToDouble(Point::x).sum() / n;
        double meanY = points.stream().mapToDouble(Point::y).sum() / n;
        double sxx = 0, sxy = 0, syy = 0;
        for (Point p : points) {
            double dx = p.x() - meanX, dy = p.y() - meanY;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all points have the same x; the slope is undefined");
        }
        double slope = sxy / sxx;
        // A flat series is explained perfectly by a flat line; avoid 0/0.
        double r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
        return new LinearFit(slope, meanY - slope * meanX, r2);
    }
}
