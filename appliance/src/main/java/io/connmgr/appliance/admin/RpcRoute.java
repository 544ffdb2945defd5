package io.connmgr.appliance.admin;

import io.connmgr.appliance.rpc.RpcService;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/devices/{id}/rpc?method=NAME&timeout=5s}: the body goes to the device as RPC_REQUEST and its
 * RPC_RESPONSE comes back as the HTTP response. The request waits without holding a thread.
 */
final class RpcRoute {

    private final BackendApi api;

    RpcRoute(BackendApi api) {
        this.api = api;
    }

    CompletableFuture<AdminResponse> call(AdminRequest request) {
        String deviceId = request.deviceId();
        String method = request.queryParameter("method").orElse("");
        int methodBytes = method.getBytes(StandardCharsets.UTF_8).length;
        if (methodBytes > 255) {
            throw ApiException.badRequest("method is at most 255 bytes of UTF-8");
        }
        Duration timeout = request.durationParameter("timeout").orElse(api.config().messaging().rpcTimeout());
        Duration max = api.config().messaging().rpcTimeoutMax();
        if (timeout.isZero() || timeout.compareTo(max) > 0) {
            throw ApiException.badRequest("timeout must be positive and at most " + max.toMillis() + " ms");
        }
        api.requireKnown(deviceId);
        return api.rpc().call(deviceId, method, request.body(), timeout.toMillis())
                .thenApply(r -> response(deviceId, method, r));
    }

    private static AdminResponse response(String deviceId, String method, RpcService.Result r) {
        return switch (r.outcome()) {
            case OK -> new AdminResponse(HttpResponseStatus.OK, "application/octet-stream", r.body(), Map.of());
            case ERROR -> AdminResponse.error(HttpResponseStatus.BAD_GATEWAY, "device_error",
                    AdminJson.truncate(new String(r.body(), StandardCharsets.UTF_8)));
            case NO_HANDLER -> AdminResponse.error(HttpResponseStatus.BAD_GATEWAY, "no_handler",
                    "device '" + deviceId + "' has no handler for method '" + AdminJson.truncate(method) + "'");
            case DEVICE_TIMEOUT -> AdminResponse.error(HttpResponseStatus.GATEWAY_TIMEOUT, "device_timeout",
                    "the device's handler did not finish in time");
            case TIMEOUT -> AdminResponse.error(HttpResponseStatus.GATEWAY_TIMEOUT, "timeout", r.detail());
            case DISCONNECTED -> AdminResponse.error(HttpResponseStatus.BAD_GATEWAY, "device_disconnected",
                    r.detail());
            case OFFLINE -> AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "device_offline", r.detail())
                    .withHeader("Retry-After", "30");
            case NOT_SUPPORTED -> AdminResponse.error(HttpResponseStatus.CONFLICT, "rpc_not_supported", r.detail());
            case BUSY -> AdminResponse.error(HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_calls", r.detail())
                    .withHeader("Retry-After", "1");
            case TOO_LARGE -> AdminResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                    r.detail());
        };
    }
}
