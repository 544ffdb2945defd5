package io.connmgr.appliance.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The admin API's one JSON configuration: snake_case names, strict parsing, and error messages that name the problem
 * without echoing internals.
 */
final class AdminJson {
    /** Request bodies are flat objects; deep nesting only ever comes from an attacker. */
    private static final int MAX_NESTING_DEPTH = 16;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
    }

    private AdminJson() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            // Only our own response records are written; failing here is a programming error.
            throw new UncheckedIOException("cannot write admin API response", e);
        }
    }

    /** Parses a request body that must be one JSON object. */
    static ObjectNode readObject(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badJson("request body is empty; expected a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badJson(describe(e));
        } catch (IOException e) {
            throw ApiException.badJson("request body could not be read");
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.badJson("request body is empty; expected a JSON object");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badJson("expected a JSON object, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return object;
    }

    /** Reads a required string field and refuses fields the endpoint does not know (typos must not pass silently). */
    static String requiredString(ObjectNode object, String field) {
        object.fieldNames().forEachRemaining(name -> {
            if (!name.equals(field)) {
                throw ApiException.badRequest("unknown field '" + truncate(name) + "'; expected only '" + field + "'");
            }
        });
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest("field '" + field + "' is required");
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    /** Jackson's message without the source excerpt it would otherwise append, plus where the problem is. */
    private static String describe(JsonProcessingException e) {
        String problem = e.getOriginalMessage();
        if (problem == null) {
            problem = "malformed JSON";
        }
        JsonLocation where = e.getLocation();
        String message = where != null && where.getLineNr() > 0
                ? "malformed JSON at line " + where.getLineNr() + ", column " + where.getColumnNr() + ": " + problem
                : "malformed JSON: " + problem;
        return truncate(message.replace('\n', ' '));
    }

    static String truncate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
