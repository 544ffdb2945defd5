package io.connmgr.appliance.control;

import io.connmgr.protocol.backend.DeviceSettings;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Until the appliance plugs in its message queue, RPC and stream engine: every request is NOT_SUPPORTED. */
final class UnsupportedGateway implements BackendGateway {

    @Override
    public CompletableFuture<SendResult> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey) {
        return CompletableFuture.completedFuture(new SendResult.NotSupported());
    }

    @Override
    public CompletableFuture<RpcResult> rpc(String deviceId, String method, byte[] body, Duration timeout) {
        return CompletableFuture.completedFuture(new RpcResult.NotSupported());
    }

    @Override
    public CompletableFuture<SettingsResult> applySettings(String deviceId, DeviceSettings settings) {
        return CompletableFuture.completedFuture(new SettingsResult.NotSupported());
    }

    @Override
    public Subscription subscribe(EventListener listener) {
        return () -> { };
    }

    @Override
    public CompletableFuture<StreamOpenResult> openStream(String deviceId, int port, long window, StreamSink sink) {
        return CompletableFuture.completedFuture(new StreamOpenResult.NotSupported());
    }
}
