package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the API refuses, with the status and machine-readable error code the client gets. It carries no stack
 * trace: it is an answer, not a failure of the server.
 */
final class ApiException extends RuntimeException {
    private final HttpResponseStatus status;
    private final String error;

    ApiException(HttpResponseStatus status, String error, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
    }

    static ApiException badRequest(String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, "bad_request", message);
    }

    static ApiException badJson(String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, "bad_json", message);
    }

    static ApiException unknownDevice(String deviceId) {
        return new ApiException(HttpResponseStatus.NOT_FOUND, "unknown_device", "no device '" + deviceId + "'");
    }

    HttpResponseStatus status() {
        return status;
    }

    String error() {
        return error;
    }

    AdminResponse toResponse() {
        return AdminResponse.error(status, error, getMessage());
    }
}
