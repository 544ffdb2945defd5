package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a route answers, before it becomes a Netty response on the event loop. */
record AdminResponse(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {

    static final String JSON = "application/json";

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    static AdminResponse json(HttpResponseStatus status, Object value) {
        return new AdminResponse(status, JSON, AdminJson.write(value), Map.of());
    }

    static AdminResponse text(HttpResponseStatus status, String contentType, String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static AdminResponse noContent() {
        return new AdminResponse(HttpResponseStatus.NO_CONTENT, null, new byte[0], Map.of());
    }

    static AdminResponse error(HttpResponseStatus status, String error, String message) {
        return json(status, new ErrorBody(error, message));
    }

    AdminResponse withHeader(String name, String value) {
        var merged = new java.util.HashMap<>(headers);
        merged.put(name, value);
        return new AdminResponse(status, contentType, body, merged);
    }

    /** The body of every error response. */
    record ErrorBody(String error, String message) {
    }
}
