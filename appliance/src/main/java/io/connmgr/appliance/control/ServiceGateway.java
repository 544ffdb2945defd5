package io.connmgr.appliance.control;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.messaging.MessagingService;
import io.connmgr.appliance.messaging.UplinkBus;
import io.connmgr.appliance.rpc.RpcService;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.stream.FramedEndpoint;
import io.connmgr.appliance.stream.OpenFailure;
import io.connmgr.appliance.stream.OpenRequest;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.PresenceKind;
import io.connmgr.protocol.backend.PresenceTier;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * The control channel's view of the appliance: the same message queue, RPC and settings path as the REST API,
 * presence from the connection manager's session events, and streams from the same engine as the proxy listener
 * (waking the device from any tier, waiting connect-wait for one that is offline), with the control channel's
 * windows passed through to the device.
 */
public final class ServiceGateway implements BackendGateway, SessionObserver {
    /** The requester's name as connection-initiating devices would see it; control-channel streams never go there. */
    private static final String ORIGIN = "control-channel";

    private final ApplianceConfig config;
    private final ConnectionManager manager;
    private final MessagingService messaging;
    private final RpcService rpc;
    private final UplinkBus uplinks;
    private final Executor storeReads;
    private final InstantSource clock;
    private final StreamService streams;
    private final EventLoopGroup streamLoops;
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param storeReads  runs the store reads that tell a known device from an unknown one
     * @param streams     the stream engine, or {@code null} to offer no streams
     * @param streamLoops where the timers of stream opens run (the control channels' own loops serve well)
     */
    public ServiceGateway(ApplianceConfig config, ConnectionManager manager, MessagingService messaging, RpcService rpc,
                          UplinkBus uplinks, Executor storeReads, InstantSource clock, StreamService streams,
                          EventLoopGroup streamLoops) {
        this.config = config;
        this.manager = manager;
        this.messaging = messaging;
        this.rpc = rpc;
        this.uplinks = uplinks;
        this.storeReads = storeReads;
        this.clock = clock;
        this.streams = streams;
        this.streamLoops = streamLoops;
        manager.addObserver(this);
    }

    private CompletableFuture<Boolean> known(String deviceId) {
        return CompletableFuture.supplyAsync(() -> manager.knownDevice(deviceId), storeReads);
    }

    @Override
    public CompletableFuture<SendResult> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey) {
        return known(deviceId).thenCompose(known -> {
            if (!known) {
                return CompletableFuture.completedFuture(new SendResult.UnknownDevice());
            }
            return messaging.enqueue(deviceId, payload, ttl == null ? 0 : ttl.toMillis(), idempotencyKey)
                    .thenApply(e -> switch (e) {
                        case MessagingService.Enqueued.Accepted a -> new SendResult.Accepted(a.messageId());
                        case MessagingService.Enqueued.QueueFull f -> new SendResult.QueueFull();
                        case MessagingService.Enqueued.TooLarge t -> new SendResult.TooLarge(t.reason());
                        case MessagingService.Enqueued.Overloaded o -> new SendResult.Busy(
                                o.limit().name().toLowerCase(java.util.Locale.ROOT) + ": " + o.count()
                                        + " messages, the limit is " + o.max());
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
                case BUSY -> new RpcResult.Busy(r.detail());
                case TOO_LARGE -> new RpcResult.TooLarge(r.detail());
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

    /** Everything; streams only with a stream engine. */
    @Override
    public int capabilities() {
        return streams != null ? BackendWire.ALL_CAPABILITIES : BackendWire.ALL_CAPABILITIES & ~BackendWire.CAP_STREAMS;
    }

    /**
     * Opens a multiplexed stream through the stream engine. A device that is not known at all is answered at once;
     * one that is known but offline is waited for up to connect-wait, as for the proxy.
     */
    @Override
    public CompletableFuture<StreamOpenResult> openStream(String deviceId, int port, long window, StreamSink sink) {
        if (streams == null) {
            return CompletableFuture.completedFuture(new StreamOpenResult.NotSupported("streams are not offered"));
        }
        CompletableFuture<StreamOpenResult> result = new CompletableFuture<>();
        SinkPeer peer = new SinkPeer(sink, result);
        FramedEndpoint end = new FramedEndpoint(streamLoops.next(), window, peer);
        peer.end = end;
        OpenRequest.Reply reply = new OpenRequest.Reply() {
            @Override
            public void succeeded() {
                // Answered by SinkPeer.opened, once the stream is bound: its data must not overtake the answer.
            }

            @Override
            public void failed(OpenFailure failure) {
                result.complete(outcomeOf(failure));
            }
        };
        known(deviceId).whenComplete((known, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else if (!known) {
                result.complete(new StreamOpenResult.UnknownDevice());
            } else if (!result.isDone()) {
                streams.open(new OpenRequest(deviceId, port, ORIGIN, end, reply));
            }
        });
        result.whenComplete((outcome, failure) -> {
            if (result.isCancelled()) {
                end.reset(StreamStatus.CANCELLED); // the channel closed while the stream was opening
            }
        });
        return result;
    }

    private static StreamOpenResult outcomeOf(OpenFailure f) {
        return switch (f) {
            case UNKNOWN_DEVICE -> new StreamOpenResult.UnknownDevice();
            case DEVICE_OFFLINE -> new StreamOpenResult.Offline();
            case NOT_EXPOSED -> new StreamOpenResult.Refused(StreamStatus.NOT_EXPOSED);
            case REFUSED -> new StreamOpenResult.Refused(StreamStatus.REFUSED);
            case UNREACHABLE -> new StreamOpenResult.Refused(StreamStatus.UNREACHABLE);
            case TOO_MANY_STREAMS -> new StreamOpenResult.Refused(StreamStatus.TOO_MANY_STREAMS);
            case NOT_SUPPORTED -> new StreamOpenResult.NotSupported("the device offers no multiplexed streams (it "
                    + "announced none, or only data connections or connect requests, which carry no windows to pass "
                    + "on); reach it through the proxy listener");
            case FAILED -> new StreamOpenResult.Refused(StreamStatus.FAILED);
        };
    }

    /** The device side of one stream, towards the control channel's sink; the handle goes the other way. */
    private static final class SinkPeer implements FramedEndpoint.Peer {
        private final StreamSink sink;
        private final CompletableFuture<StreamOpenResult> result;
        private FramedEndpoint end;

        SinkPeer(StreamSink sink, CompletableFuture<StreamOpenResult> result) {
            this.sink = sink;
            this.result = result;
        }

        @Override
        public void opened(long deviceWindow) {
            FramedEndpoint e = end;
            StreamHandle handle = new StreamHandle() {
                @Override
                public void write(ByteBuf data) {
                    e.write(data);
                }

                @Override
                public void window(long increment) {
                    e.window(increment);
                }

                @Override
                public void close() {
                    e.close();
                }

                @Override
                public void reset(StreamStatus reason) {
                    e.reset(reason);
                }
            };
            if (!result.complete(new StreamOpenResult.Opened(deviceWindow, handle))) {
                e.reset(StreamStatus.CANCELLED); // given up meanwhile
            }
        }

        @Override
        public void data(ByteBuf data) {
            sink.onData(data);
        }

        @Override
        public void window(long increment) {
            sink.onWindow(increment);
        }

        @Override
        public void fin() {
            sink.onClose();
        }

        @Override
        public void reset(StreamStatus reason) {
            sink.onReset(reason);
        }
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
