package io.connmgr.appliance.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link ApplianceConfig} from defaults, then an optional YAML file, then flags; later sources win. Every
 * problem is collected and reported at once, each naming its key, and any problem stops start-up: a configuration that
 * does not parse is never silently replaced by defaults.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    public static ApplianceConfig load(Path yamlFile, Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Setting s : Settings.ALL) {
            raw.put(s.name(), s.defaultValue());
        }
        List<String> errors = new ArrayList<>();
        if (yamlFile != null) {
            raw.putAll(readYaml(yamlFile, errors));
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            if (!Settings.BY_NAME.containsKey(flag.getKey())) {
                errors.add(flag.getKey() + ": unknown setting");
            } else {
                raw.put(flag.getKey(), flag.getValue());
            }
        }
        Map<String, Object> values = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            try {
                values.put(e.getKey(), Settings.BY_NAME.get(e.getKey()).parse(e.getValue()));
            } catch (IllegalArgumentException ex) {
                errors.add(ex.getMessage());
            }
        }
        if (values.get("services") instanceof String services) {
            ServiceList.check(services, errors);
        }
        for (String key : new String[]{"proxy-trusted-sources", "direct-networks"}) {
            if (values.get(key) instanceof String networks) {
                try {
                    SourceNetworks.parse(networks);
                } catch (IllegalArgumentException e) {
                    errors.add(key + ": " + e.getMessage());
                }
            }
        }
        ProxyProtocolConfig.check(values, errors);
        if (errors.isEmpty()) {
            checkRelations(values, errors);
            TlsConfig.check(values, errors);
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return ApplianceConfig.from(values);
    }

    private static void checkRelations(Map<String, Object> v, List<String> errors) {
        if (((java.time.Duration) v.get("keep-alive-min")).compareTo((java.time.Duration) v.get("keep-alive-max")) > 0) {
            errors.add("keep-alive-min: must not exceed keep-alive-max");
        }
        if (((java.time.Duration) v.get("rpc-timeout")).compareTo((java.time.Duration) v.get("rpc-timeout-max")) > 0) {
            errors.add("rpc-timeout: must not exceed rpc-timeout-max");
        }
        String webhook = (String) v.get("webhook-url");
        if (!webhook.isEmpty() && !webhook.startsWith("http://") && !webhook.startsWith("https://")) {
            errors.add("webhook-url: must be an http:// or https:// URL, or empty");
        }
        if (((java.time.Duration) v.get("reconnect-after-min"))
                .compareTo((java.time.Duration) v.get("reconnect-after-max")) > 0) {
            errors.add("reconnect-after-min: must not exceed reconnect-after-max");
        }
    }

    private static Map<String, String> readYaml(Path file, List<String> errors) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            errors.add(file + ": not valid YAML: " + e.getOriginalMessage());
            return out;
        } catch (IOException e) {
            errors.add(file + ": cannot be read: " + e.getMessage());
            return out;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            errors.add(file + ": must be a mapping of setting names to values");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!Settings.BY_NAME.containsKey(e.getKey())) {
                errors.add(e.getKey() + ": unknown setting (in " + file + ")");
            } else if (e.getKey().equals("services") && e.getValue().isObject()) {
                out.put(e.getKey(), ServiceList.fromYaml(e.getValue()));
            } else if (e.getValue().isContainerNode()) {
                errors.add(e.getKey() + ": must be a single value");
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        return out;
    }
}
