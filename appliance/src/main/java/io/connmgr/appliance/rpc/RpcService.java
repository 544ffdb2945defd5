package io.connmgr.appliance.rpc;

import io.connmgr.appliance.config.MessagingConfig;
import io.connmgr.appliance.session.DeviceKeys;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.appliance.tier.sleep.DeviceKeyIndex;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/response calls from back-end servers to devices (RPC_REQUEST / RPC_RESPONSE). A call wakes the device from
 * any tier, holds a server link on it while it waits (so the device sleeps again as soon as the last call ends, the
 * seed's server-activity trigger), and ends with the device's answer, a timeout, or the connection's end. Nothing
 * blocks: the caller gets a future. Calls are bounded per device and in total.
 */
public final class RpcService implements SessionObserver {
    private final MessagingConfig config;
    /**
     * A connected device can be between tiers when it is looked for, or asleep again by the time the call reaches its
     * event loop; it is then woken again at once this many times in a row, and after that every
     * {@link #REACH_RETRY_MILLIS}, for as long as the call waits.
     */
    private static final int IMMEDIATE_REACH_ATTEMPTS = 3;
    private static final long REACH_RETRY_MILLIS = 20;

    /** The device link's largest payload: a request that would not fit in one RPC_REQUEST is refused. */
    private final int maxFrameSize;
    private final ConnectionManager manager;
    private final ScheduledExecutorService timers;
    private final AtomicLong callIds = new AtomicLong();
    private final Map<Long, Call> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    /** Devices whose last HELLO did not offer RPC; most devices do, so the exceptions are what is remembered. */
    /**
     * Keys of devices whose last HELLO did not offer RPC. Primitive arrays, not a set of strings: it holds sleeping
     * devices too, where every byte per device counts. Guarded by itself.
     */
    private final DeviceKeyIndex withoutRpc = new DeviceKeyIndex(1024);
    /** Calls waiting for an offline device to connect. */
    private final Map<String, List<CompletableFuture<DeviceSession>>> connectWaiters = new ConcurrentHashMap<>();
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Timer latency;

    public RpcService(MessagingConfig config, int maxFrameSize, ConnectionManager manager,
                      ScheduledExecutorService timers, MeterRegistry registry) {
        this.config = config;
        this.maxFrameSize = maxFrameSize;
        this.manager = manager;
        this.timers = timers;
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, Counter.builder("cm.rpc.calls").tag("outcome", o.tag())
                    .description("RPC calls to devices by outcome").register(registry));
        }
        latency = Timer.builder("cm.rpc.latency").description("RPC calls from request to the device's answer")
                .publishPercentileHistogram().register(registry);
        io.micrometer.core.instrument.Gauge.builder("cm.rpc.pending", total, AtomicInteger::get)
                .description("RPC calls waiting for their device's answer").register(registry);
    }

    public enum Outcome {
        OK, ERROR, NO_HANDLER, DEVICE_TIMEOUT, TIMEOUT, OFFLINE, NOT_SUPPORTED, DISCONNECTED, BUSY, TOO_LARGE;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @param body the device's reply (OK), its error text (ERROR), or empty */
    public record Result(Outcome outcome, byte[] body, String detail) {
    }

    /** Calls {@code method} on the device; the future always completes, never fails. */
    public CompletableFuture<Result> call(String deviceId, String method, byte[] body, long timeoutMillis) {
        if (RpcRequest.payloadBytes(method, body.length) > maxFrameSize) {
            long room = maxFrameSize - RpcRequest.payloadBytes(method, 0);
            return CompletableFuture.completedFuture(count(new Result(Outcome.TOO_LARGE, new byte[0],
                    "an RPC request body is at most " + Math.max(0, room) + " bytes with this method name")));
        }
        AtomicInteger mine = perDevice.computeIfAbsent(deviceId, k -> new AtomicInteger());
        if (mine.incrementAndGet() > config.rpcPendingPerDevice()
                | total.incrementAndGet() > config.rpcPendingMax()) {
            release(deviceId, mine);
            return CompletableFuture.completedFuture(count(new Result(Outcome.BUSY, new byte[0],
                    "too many RPC calls waiting for this device or this appliance")));
        }
        long start = System.nanoTime();
        Call call = new Call(callIds.incrementAndGet(), deviceId, method, body, timeoutMillis, start);
        call.timeout = timers.schedule(() -> call.finish(new Result(Outcome.TIMEOUT, new byte[0],
                "no answer within " + timeoutMillis + " ms")), timeoutMillis, TimeUnit.MILLISECONDS);
        call.result.whenComplete((r, e) -> {
            call.timeout.cancel(false);
            calls.remove(call.id);
            release(deviceId, mine);
            DeviceSession s = call.session;
            if (s != null) {
                manager.serverLinks(deviceId, -1);
            }
            if (r != null && r.outcome() == Outcome.OK) {
                latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        });
        dispatch(call);
        return call.result.thenApply(this::count);
    }

    /**
     * Wakes the device and sends the call on its awake session's event loop. A device that is connected but not awake
     * when the wake is over (it went back to sleep meanwhile, or is on its way to or from the sleep table) is woken
     * again: a tier change never makes a call OFFLINE, only a device without a connection does, once connect-wait
     * has passed.
     */
    private void dispatch(Call call) {
        if (call.result.isDone()) {
            return;
        }
        String id = call.deviceId;
        manager.wake(id, TierCause.SERVER_REQUEST).whenComplete((result, error) -> {
            DeviceSession session = manager.awakeSession(id).orElse(null);
            if (session != null) {
                session.channel().eventLoop().execute(() -> send(call, session));
            } else if (manager.tierOf(id) != Tier.DISCONNECTED) {
                reachAgain(call);
            } else {
                awaitConnect(id, call.timeoutMillis).whenComplete((connected, e) -> {
                    if (connected == null) {
                        call.finish(new Result(Outcome.OFFLINE, new byte[0], "device '" + id + "' is not connected"));
                    } else {
                        connected.channel().eventLoop().execute(() -> send(call, connected));
                    }
                });
            }
        });
    }

    /** The device moved between tiers while the call was on its way to it: wakes it again. */
    private void reachAgain(Call call) {
        if (call.reachAttempts.incrementAndGet() <= IMMEDIATE_REACH_ATTEMPTS) {
            dispatch(call);
        } else {
            timers.schedule(() -> dispatch(call), REACH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private Result count(Result r) {
        outcomes.get(r.outcome()).increment();
        return r;
    }

    private void release(String deviceId, AtomicInteger mine) {
        total.decrementAndGet();
        if (mine.decrementAndGet() <= 0) {
            perDevice.remove(deviceId, mine);
        }
    }

    private CompletableFuture<DeviceSession> awaitConnect(String deviceId, long timeoutMillis) {
        long wait = Math.min(config.rpcConnectWait().toMillis(), timeoutMillis);
        if (wait <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<DeviceSession> connected = new CompletableFuture<>();
        connectWaiters.computeIfAbsent(deviceId, k -> new CopyOnWriteArrayList<>()).add(connected);
        timers.schedule(() -> connected.complete(null), wait, TimeUnit.MILLISECONDS);
        connected.whenComplete((s, e) -> connectWaiters.computeIfPresent(deviceId, (k, list) -> {
            list.remove(connected);
            return list.isEmpty() ? null : list;
        }));
        // It may have connected between the tier check and the registration.
        manager.awakeSession(deviceId).ifPresent(connected::complete);
        return connected;
    }

    /** On the session's event loop. */
    private void send(Call call, DeviceSession session) {
        if (call.result.isDone()) {
            return;
        }
        if (manager.awakeSession(call.deviceId).orElse(null) != session) {
            reachAgain(call); // it went to sleep (or reconnected) since it was found
            return;
        }
        boolean rpcOffered;
        synchronized (withoutRpc) {
            rpcOffered = withoutRpc.get(DeviceKeys.of(call.deviceId)) < 0;
        }
        if (!rpcOffered) {
            call.finish(new Result(Outcome.NOT_SUPPORTED, new byte[0],
                    "device '" + call.deviceId + "' did not offer RPC in its HELLO"));
            return;
        }
        if (session.closing() || !session.channel().isActive() || session.tier() != Tier.ACTIVE) {
            if (session.tier() == Tier.IDLE && session.channel().isActive()) {
                manager.toActive(session, TierCause.SERVER_REQUEST, null);
            }
            if (session.tier() != Tier.ACTIVE || !session.channel().isActive()) {
                call.finish(new Result(Outcome.OFFLINE, new byte[0], "device '" + call.deviceId
                        + "' went away before the call could be sent"));
                return;
            }
        }
        calls.put(call.id, call);
        // The link is counted before the call can see its session, so the release after it always comes second.
        manager.serverLinks(call.deviceId, +1);
        call.session = session;
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - call.startNanos);
        long remaining = Math.max(1, call.timeoutMillis - elapsed);
        session.channel().writeAndFlush(new RpcRequest(call.id, remaining, call.method, call.body));
    }

    @Override
    public int welcomeCapabilities() {
        return Capabilities.RPC;
    }

    @Override
    public void awake(DeviceSession session, int deviceCapabilities) {
        if (deviceCapabilities >= 0) {
            synchronized (withoutRpc) {
                withoutRpc.remove(session.deviceKey());
                if ((deviceCapabilities & Capabilities.RPC) == 0) {
                    withoutRpc.putIfAbsent(session.deviceKey(), 0);
                }
            }
        }
        List<CompletableFuture<DeviceSession>> waiters = connectWaiters.get(session.deviceId());
        if (waiters != null) {
            waiters.forEach(w -> w.complete(session));
        }
    }

    @Override
    public void rpcResponse(DeviceSession session, RpcResponse response) {
        Call call = calls.get(response.callId());
        if (call == null || !call.deviceId.equals(session.deviceId())) {
            return; // a call no longer waited for (protocol section 5.19)
        }
        Outcome outcome = switch (response.status()) {
            case OK -> Outcome.OK;
            case ERROR -> Outcome.ERROR;
            case NO_HANDLER -> Outcome.NO_HANDLER;
            case TIMEOUT -> Outcome.DEVICE_TIMEOUT;
        };
        call.finish(new Result(outcome, response.body(), null));
    }

    /**
     * A connection that ends fails its calls. One that goes to sleep keeps them: the request is on its way or already
     * with the device, whose answer wakes the connection and arrives on the next session.
     */
    @Override
    public void asleepOrGone(DeviceSession session, boolean disconnected) {
        if (!disconnected) {
            return;
        }
        for (Call call : calls.values()) {
            if (call.session == session) {
                call.finish(new Result(Outcome.DISCONNECTED, new byte[0],
                        "the device's connection ended before it answered"));
            }
        }
    }

    private static final class Call {
        final long id;
        final String deviceId;
        final String method;
        final byte[] body;
        final long timeoutMillis;
        final long startNanos;
        final CompletableFuture<Result> result = new CompletableFuture<>();
        final AtomicBoolean finished = new AtomicBoolean();
        /** Wakes again because the device moved between tiers on the call's way to it. */
        final AtomicInteger reachAttempts = new AtomicInteger();
        volatile DeviceSession session;
        volatile java.util.concurrent.ScheduledFuture<?> timeout;

        Call(long id, String deviceId, String method, byte[] body, long timeoutMillis, long startNanos) {
            this.id = id;
            this.deviceId = deviceId;
            this.method = method;
            this.body = body;
            this.timeoutMillis = timeoutMillis;
            this.startNanos = startNanos;
        }

        void finish(Result r) {
            if (finished.compareAndSet(false, true)) {
                result.complete(r);
            }
        }
    }
}
