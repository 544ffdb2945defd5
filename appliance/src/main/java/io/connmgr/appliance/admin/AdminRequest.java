package io.connmgr.appliance.admin;

import io.connmgr.appliance.config.Durations;
import io.connmgr.protocol.codec.DeviceIds;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A routed request, detached from Netty buffers so that it can cross to a worker thread.
 *
 * @param rawPathVariables path variables as sent, still percent-encoded; decoded on access
 * @param query            the decoded query parameters
 * @param body             the request body (at most the configured maximum)
 * @param headers          request headers, names in lower case, first value of each
 */
record AdminRequest(HttpMethod method, String route, Map<String, String> rawPathVariables,
                    Map<String, List<String>> query, byte[] body, Map<String, String> headers) {

    /** A header's value; empty when absent or blank. */
    Optional<String> header(String name) {
        String v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    /** A header holding a duration (see {@link #duration}); empty when absent or blank. */
    Optional<Duration> durationHeader(String name) {
        return header(name).map(text -> duration(name, text));
    }

    /** A query parameter holding a duration (see {@link #duration}); empty when absent or empty. */
    Optional<Duration> durationParameter(String name) {
        return queryParameter(name).map(text -> duration(name, text));
    }

    /** Whole seconds ("30") or a number with a unit ("500ms", "30s", "5m"); 400 otherwise. */
    private static Duration duration(String what, String text) {
        return Durations.parse(text.strip(), true).orElseThrow(() -> ApiException.badRequest(
                what + " must be whole seconds or a duration such as 500ms, 30s, 5m, 24h"));
    }

    static final String DEVICE_ID_RULE =
            "a device id is 1..128 bytes of UTF-8 without whitespace, control characters or slashes";

    /** The decoded path variable {@code name}; 400 when its percent-encoding is broken. */
    String pathVariable(String name) {
        String raw = rawPathVariables.get(name);
        if (raw == null) {
            throw new IllegalStateException("route " + route + " has no variable " + name);
        }
        try {
            return PercentDecoder.decodeSegment(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** The {id} path variable, decoded and checked against the device id rule. */
    String deviceId() {
        return validDeviceId(pathVariable("id"));
    }

    static String validDeviceId(String id) {
        if (!DeviceIds.isValid(id)) {
            throw new ApiException(HttpResponseStatus.BAD_REQUEST, "invalid_device_id", DEVICE_ID_RULE);
        }
        return id;
    }

    /** A single-valued query parameter; empty when absent or empty, 400 when given twice. */
    Optional<String> queryParameter(String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw ApiException.badRequest("query parameter '" + name + "' given more than once");
        }
        String value = values.getFirst();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
