package io.connmgr.protocol.golden;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One vector of a golden file: its name and its {@code key = value} fields, read with the value syntax described at the
 * top of {@code golden/frames.txt}. Every getter records the key it read, so a test can assert that no field of the
 * file went unchecked (a misspelt key would otherwise be silently ignored).
 */
public final class GoldenVector {
    private final String name;
    private final Map<String, String> fields;
    private final Set<String> read = new LinkedHashSet<>();

    GoldenVector(String name, Map<String, String> fields) {
        this.name = name;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public String name() {
        return name;
    }

    public boolean has(String key) {
        return fields.containsKey(key);
    }

    /** The {@code bytes} field: the whole stream, with the grouping spaces and bars removed. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(raw("bytes").replaceAll("[\\s|]", ""));
    }

    public String raw(String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException(name + ": no field '" + key + "'");
        }
        read.add(key);
        return value;
    }

    public long number(String key) {
        String value = raw(key);
        return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseLong(value);
    }

    public int integer(String key) {
        return Math.toIntExact(number(key));
    }

    public boolean flag(String key) {
        return switch (raw(key)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": '" + key + "' is not true/false");
        };
    }

    public String text(String key) {
        String value = raw(key);
        if (value.length() < 2 || !value.startsWith("\"") || !value.endsWith("\"")) {
            throw new IllegalArgumentException(name + ": '" + key + "' is not \"text\"");
        }
        return value.substring(1, value.length() - 1);
    }

    /** A byte field: {@code hex:...} for raw bytes, or {@code "text"} for the UTF-8 bytes of the text. */
    public byte[] byteField(String key) {
        String value = raw(key);
        if (value.startsWith("hex:")) {
            return HexFormat.of().parseHex(value.substring(4));
        }
        return text(key).getBytes(StandardCharsets.UTF_8);
    }

    /** Keys present in the file that no getter has read yet. */
    public Set<String> unreadKeys() {
        Set<String> unread = new LinkedHashSet<>(fields.keySet());
        unread.removeAll(read);
        return unread;
    }

    @Override
    public String toString() {
        return name;
    }
}
