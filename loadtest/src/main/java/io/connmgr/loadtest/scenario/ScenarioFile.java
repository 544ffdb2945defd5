package io.connmgr.loadtest.scenario;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A YAML scenario file: a mapping whose keys are the long option names of a scenario command (without the dashes)
 * and, for {@code bin/cm loadtest run FILE}, the key {@code scenario} naming the command.
 *
 * <pre>
 * scenario: hold
 * devices: 15000
 * connect-rate: 1000
 * tiers: [SLEEP, IDLE]
 * appliance-arg: ["--io-threads=1"]
 * </pre>
 */
public record ScenarioFile(Path path, String scenario, String description, Map<String, Object> options) {
    /** Keys that are about the file itself, not options of the command. */
    public static final String SCENARIO_KEY = "scenario";
    public static final String DESCRIPTION_KEY = "description";

    private static final YAMLMapper YAML = new YAMLMapper();

    public static ScenarioFile load(Path path) throws IOException {
        Object tree;
        try {
            tree = YAML.readValue(Files.readString(path), Object.class);
        } catch (NoSuchFileException e) {
            throw new IOException("scenario file " + path + " does not exist");
        } catch (JacksonException e) {
            throw new IOException("scenario file " + path + " is not valid YAML: " + e.getOriginalMessage());
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new IOException("scenario file " + path + " must be a mapping of option names to values, not "
                    + (tree == null ? "empty" : tree.getClass().getSimpleName()));
        }
        Map<String, Object> options = new LinkedHashMap<>();
        String scenario = null;
        String description = null;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals(SCENARIO_KEY)) {
                scenario = e.getValue() == null ? null : String.valueOf(e.getValue());
            } else if (key.equals(DESCRIPTION_KEY)) {
                description = e.getValue() == null ? null : String.valueOf(e.getValue());
            } else {
                options.put(key, e.getValue());
            }
        }
        return new ScenarioFile(path, scenario, description, options);
    }
}
