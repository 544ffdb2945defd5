package io.connmgr.appliance.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A route path such as {@code /v1/devices/{id}/tier}: literal segments and named variables, each variable exactly one
 * segment. The template text doubles as the metrics tag, which keeps that tag's cardinality bounded.
 */
final class PathTemplate {
    private final String text;
    private final List<Segment> segments;

    private PathTemplate(String text, List<Segment> segments) {
        this.text = text;
        this.segments = List.copyOf(segments);
    }

    static PathTemplate parse(String text) {
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("path template must start with '/': " + text);
        }
        List<Segment> segments = new ArrayList<>();
        for (String segment : splitSegments(text)) {
            if (segment.startsWith("{") && segment.endsWith("}") && segment.length() > 2) {
                segments.add(new Segment(segment.substring(1, segment.length() - 1), true));
            } else if (segment.isEmpty() || segment.contains("{") || segment.contains("}")) {
                throw new IllegalArgumentException("bad segment '" + segment + "' in path template " + text);
            } else {
                segments.add(new Segment(segment, false));
            }
        }
        return new PathTemplate(text, segments);
    }

    /** Splits "/a/b" into ["a","b"]; "/" gives [""], so the root is a path of one empty segment. */
    static List<String> splitSegments(String path) {
        return List.of(path.substring(1).split("/", -1));
    }

    /** The still percent-encoded variable values, or null when {@code rawSegments} is not this template's shape. */
    Map<String, String> match(List<String> rawSegments) {
        if (rawSegments.size() != segments.size()) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            String raw = rawSegments.get(i);
            if (segment.variable()) {
                if (raw.isEmpty()) {
                    return null;
                }
                values.put(segment.text(), raw);
            } else if (!segment.text().equals(raw)) {
                return null;
            }
        }
        return values;
    }

    @Override
    public String toString() {
        return text;
    }

    /** @param text the literal, or the variable's name */
    private record Segment(String text, boolean variable) {
    }
}
