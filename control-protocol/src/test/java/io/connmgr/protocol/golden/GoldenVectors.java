package io.connmgr.protocol.golden;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the golden vector files of {@code src/test/resources/golden}: the byte-exact examples that docs/protocol.md
 * quotes and that implementations in other languages check themselves against. Shared with other modules' tests
 * through the test jar.
 */
public final class GoldenVectors {
    /** Classpath resource of the frame vectors: bytes and the fields they decode to. */
    public static final String FRAMES = "golden/frames.txt";
    /** Classpath resource of the violation vectors: byte streams and the reason code a decoder must report. */
    public static final String VIOLATIONS = "golden/violations.txt";

    private GoldenVectors() {
    }

    public static List<GoldenVector> frames() {
        return load(FRAMES);
    }

    public static List<GoldenVector> violations() {
        return load(VIOLATIONS);
    }

    public static List<GoldenVector> load(String resource) {
        try (InputStream in = GoldenVectors.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<GoldenVector> parse(String source, String text) {
        List<GoldenVector> vectors = new ArrayList<>();
        String name = null;
        Map<String, String> fields = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                if (name != null) {
                    vectors.add(new GoldenVector(name, fields));
                }
                name = line.substring(1, line.length() - 1);
                fields = new LinkedHashMap<>();
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0 || name == null) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected [name] or key = value");
            }
            String key = line.substring(0, eq).strip();
            if (fields.put(key, line.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": duplicate key " + key);
            }
        }
        if (name != null) {
            vectors.add(new GoldenVector(name, fields));
        }
        return vectors;
    }
}
