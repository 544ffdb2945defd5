package io.connmgr.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The {@code services} setting: back-end services devices may open links to, as {@code name=host:port} pairs. In YAML
 * it is a mapping of names to {@code host:port}; as a flag a comma-separated list.
 */
final class ServiceList {
    private ServiceList() {
    }

    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            out.put(e.substring(0, eq).trim(), e.substring(eq + 1).trim());
        }
        return Map.copyOf(out);
    }

    static void check(String text, List<String> errors) {
        if (text == null || text.isBlank()) {
            return;
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            String target = eq < 0 ? "" : e.substring(eq + 1).trim();
            int colon = target.lastIndexOf(':');
            if (eq <= 0 || colon <= 0 || !validPort(target.substring(colon + 1))) {
                errors.add("services: '" + e + "' is not valid, expected name=host:port");
            }
        }
    }

    private static boolean validPort(String text) {
        try {
            int port = Integer.parseInt(text);
            return port > 0 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String fromYaml(JsonNode mapping) {
        StringJoiner j = new StringJoiner(",");
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            j.add(e.getKey() + "=" + e.getValue().asText());
        }
        return j.toString();
    }
}
