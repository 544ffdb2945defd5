package io.connmgr.loadtest.probe;

/** Picks one sample out of Prometheus text exposition format. */
public final class PrometheusText {

    private PrometheusText() {
    }

    /**
     * @param label label pair that must appear in the sample, e.g. {@code tier="sleep"}; null for none
     * @return the sample value, or NaN when absent
     */
    public static double sample(String text, String metric, String label) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            int nameEnd = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            if (nameEnd != metric.length()) {
                continue; // a longer metric name sharing the prefix
            }
            int labelsEnd = line.lastIndexOf('}');
            String labels = labelsEnd > nameEnd ? line.substring(nameEnd, labelsEnd + 1) : "";
            if (label != null && !labels.contains(label)) {
                continue;
            }
            String[] rest = line.substring(labelsEnd >= 0 ? labelsEnd + 1 : nameEnd).trim().split("\\s+");
            return Double.parseDouble(rest[0]);
        }
        return Double.NaN;
    }

    /**
     * The sum of every sample of {@code metric} over all its label sets (a counter split by tier, for example), or NaN
     * when there is none.
     */
    public static double sum(String text, String metric) {
        double total = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            int brace = line.indexOf('{');
            int nameEnd = brace >= 0 ? brace : line.indexOf(' ');
            if (nameEnd != metric.length()) {
                continue;
            }
            int labelsEnd = line.lastIndexOf('}');
            String[] rest = line.substring(labelsEnd >= 0 ? labelsEnd + 1 : nameEnd).trim().split("\\s+");
            try {
                total += Double.parseDouble(rest[0]);
                found = true;
            } catch (NumberFormatException e) {
                // a malformed sample is skipped, as a scraper would
            }
        }
        return found ? total : Double.NaN;
    }
}
