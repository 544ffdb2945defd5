package io.connmgr.appliance.control;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.messaging.MessagingService;
import io.connmgr.appliance.messaging.UplinkBus;
import io.connmgr.appliance.rpc.RpcService;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.PresenceKind;
import io.connmgr.protocol.backend.PresenceTier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * The control channel's view of the appliance: the same message queue, RPC and settings path as the REST API, and
 * presence from the connection manager's session events. Streams over the control channel are not offered yet: back-ends
 * reach device ports through the proxy listener.
 */
public final class ServiceGateway implements BackendGateway, SessionObserver {
    private final ApplianceConfig config;
    private final ConnectionManager manager;
    private final MessagingService messaging;
    private final RpcService rpc;
    private final UplinkBus uplinks;
    private final Executor storeReads;
    private final InstantSource clock;
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

    /** @param storeReads runs the store reads that tell a known device from an unknown one */
    public ServiceGateway(ApplianceConfig config, ConnectionManager manager, MessagingService messaging, RpcService rpc,
                          UplinkBus uplinks, Executor storeReads, InstantSource clock) {
        this.config = config;
        this.manager = manager;
        this.messaging = messaging;
        this.rpc = rpc;
        this.uplinks = uplinks;
        this.storeReads = storeReads;
        this.clock = clock;
        manager.addObserver(this);
    }

    private CompletableFuture<Boolean> known(String deviceId) {
        return CompletableFuture.supplyAsync(() -> manager.knownDevice(deviceId), storeReads);
    }

    @Override
    public CompletableFuture<SendResult> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey) {
        if (payload.length > messaging.maxPayload()) {
            messaging.rejectedTooLarge();
            return CompletableFuture.completedFuture(new SendResult.NotSupported());
        }
        return known(deviceId).thenCompose(known -> {
            if (!known) {
                return CompletableFuture.completedFuture(new SendResult.UnknownDevice());
            }
            return messaging.enqueue(deviceId, payload, ttl == null ? 0 : ttl.toMillis(), idempotencyKey)
                    .thenApply(e -> switch (e) {
                        case MessagingService.Enqueued.Accepted a -> new SendResult.Accepted(a.messageId());
                        case MessagingService.Enqueued.QueueFull f -> new SendResult.QueueFull();
                    });
        });
    }

    @Override
    public CompletableFuture<RpcResult> rpc(String deviceId, String method, byte[] body, Duration timeout) {
        return known(deviceId).thenCompose(known -> {
            if (!known) {
                return CompletableFuture.completedFuture(new RpcResult.UnknownDevice());
            }
            return rpc.call(deviceId, method, body, timeout.toMillis()).thenApply(r -> switch (r.outcome()) {
                case OK -> new RpcResult.Ok(r.body());
                case ERROR -> new RpcResult.Error(r.detail() != null ? r.detail()
                        : new String(r.body(), StandardCharsets.UTF_8));
                case NO_HANDLER -> new RpcResult.NoHandler();
                case DEVICE_TIMEOUT, TIMEOUT -> new RpcResult.Timeout();
                case OFFLINE, DISCONNECTED -> new RpcResult.Offline();
                case NOT_SUPPORTED -> new RpcResult.NotSupported();
                case BUSY -> new RpcResult.Error("too many calls are waiting for this device; retry later");
            });
        });
    }

    @Override
    public CompletableFuture<SettingsResult> applySettings(String deviceId, DeviceSettings s) {
        if (s.keepAlive() != null && (s.keepAlive().compareTo(config.keepAliveMin()) < 0
                || s.keepAlive().compareTo(config.keepAliveMax()) > 0)) {
            return CompletableFuture.completedFuture(new SettingsResult.Invalid("keep-alive must be "
                    + config.keepAliveMin() + ".." + config.keepAliveMax()));
        }
        return known(deviceId).thenCompose(known -> {
            if (!known) {
                return CompletableFuture.completedFuture(new SettingsResult.UnknownDevice());
            }
            return manager.updateSettings(deviceId, o -> new io.connmgr.appliance.store.DeviceSettings(
                    millis(s.idleAfter(), o.idleAfterMillis()), millis(s.sleepAfter(), o.sleepAfterMillis()),
                    millis(s.keepAlive(), o.keepAliveMillis()),
                    s.alwaysActive() == null ? o.alwaysActive() : s.alwaysActive(),
                    s.persistentRequired() == null ? o.persistentRequired() : s.persistentRequired()))
                    .thenApply(updated -> new SettingsResult.Applied());
        });
    }

    private static Long millis(Duration given, Long current) {
        return given == null ? current : Long.valueOf(given.toMillis());
    }

    @Override
    public Subscription subscribe(EventListener listener) {
        listeners.add(listener);
        AutoCloseable uplink = uplinks.subscribe((deviceId, msg) ->
                listener.onEvent(new UplinkEvent(clock.millis(), msg.seq(), deviceId, msg.payload())));
        return () -> {
            listeners.remove(listener);
            try {
                uplink.close();
            } catch (Exception ignored) {
                // removing a subscriber cannot fail
            }
        };
    }

    /** Everything but streams, which back-ends reach through the proxy listener for now. */
    @Override
    public int capabilities() {
        return BackendWire.ALL_CAPABILITIES & ~BackendWire.CAP_STREAMS;
    }

    @Override
    public CompletableFuture<StreamOpenResult> openStream(String deviceId, int port, long window, StreamSink sink) {
        return CompletableFuture.completedFuture(new StreamOpenResult.NotSupported());
    }

    // ---- presence, from the connection manager's session events (on the session's event loop) ----

    @Override
    public void awake(DeviceSession session, int deviceCapabilities) {
        // -1: woken from SLEEP; otherwise a new connection that has just been welcomed.
        presence(session.deviceId(), deviceCapabilities == -1 ? PresenceKind.TIER_CHANGED : PresenceKind.CONNECTED,
                PresenceTier.ACTIVE);
    }

    @Override
    public void asleepOrGone(DeviceSession session, boolean disconnected) {
        presence(session.deviceId(), disconnected ? PresenceKind.DISCONNECTED : PresenceKind.TIER_CHANGED,
                disconnected ? PresenceTier.NONE : PresenceTier.SLEEP);
    }

    private void presence(String deviceId, PresenceKind kind, PresenceTier tier) {
        if (listeners.isEmpty()) {
            return;
        }
        PresenceEvent event = new PresenceEvent(clock.millis(), kind, tier, deviceId);
        for (EventListener l : listeners) {
            l.onEvent(event);
        }
    }
}
