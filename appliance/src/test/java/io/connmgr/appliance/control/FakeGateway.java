package io.connmgr.appliance.control;

import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gateway with scripted devices: "online-*" devices answer, "offline-*" are known but not connected, "full-*" have
 * a full queue, anything else is unknown. RPC method "echo" answers its body, "fail" fails, "slow" never answers
 * within the timeout. Streams to port 7 echo their bytes, honouring both windows; streams to port 8 send one byte
 * more than the back-end's window at once, as a broken device would.
 */
final class FakeGateway implements BackendGateway {
    final List<EventListener> listeners = new CopyOnWriteArrayList<>();
    final Map<String, DeviceSettings> settings = new ConcurrentHashMap<>();
    final Map<String, String> idempotent = new ConcurrentHashMap<>();
    final AtomicInteger messages = new AtomicInteger();
    final Set<EchoStream> openStreams = ConcurrentHashMap.newKeySet();
    final Map<Integer, StreamStatus> overrunResets = new ConcurrentHashMap<>();
    private final AtomicInteger overruns = new AtomicInteger();

    void emit(DeviceEvent event) {
        listeners.forEach(l -> l.onEvent(event));
    }

    private static boolean known(String deviceId) {
        return deviceId.startsWith("online-") || deviceId.startsWith("offline-") || deviceId.startsWith("full-");
    }

    @Override
    public CompletableFuture<SendResult> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey) {
        if (!known(deviceId)) {
            return CompletableFuture.completedFuture(new SendResult.UnknownDevice());
        }
        if (deviceId.startsWith("full-")) {
            return CompletableFuture.completedFuture(new SendResult.QueueFull());
        }
        String id = idempotencyKey == null ? "m-" + messages.incrementAndGet()
                : idempotent.computeIfAbsent(deviceId + "/" + idempotencyKey, k -> "m-" + messages.incrementAndGet());
        // Completes later, on another thread, as a durable store would.
        return CompletableFuture.supplyAsync(() -> new SendResult.Accepted(id));
    }

    @Override
    public CompletableFuture<RpcResult> rpc(String deviceId, String method, byte[] body, Duration timeout) {
        if (!known(deviceId)) {
            return CompletableFuture.completedFuture(new RpcResult.UnknownDevice());
        }
        if (deviceId.startsWith("offline-")) {
            return CompletableFuture.completedFuture(new RpcResult.Offline());
        }
        return switch (method) {
            case "echo" -> CompletableFuture.completedFuture(new RpcResult.Ok(body));
            case "fail" -> CompletableFuture.completedFuture(new RpcResult.Error("handler exploded"));
            case "slow" -> CompletableFuture.<RpcResult>supplyAsync(RpcResult.Timeout::new,
                    CompletableFuture.delayedExecutor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            default -> CompletableFuture.completedFuture(new RpcResult.NoHandler());
        };
    }

    @Override
    public CompletableFuture<SettingsResult> applySettings(String deviceId, DeviceSettings s) {
        if (!known(deviceId)) {
            return CompletableFuture.completedFuture(new SettingsResult.UnknownDevice());
        }
        settings.merge(deviceId, s, (old, newer) -> new DeviceSettings(
                newer.idleAfter() != null ? newer.idleAfter() : old.idleAfter(),
                newer.sleepAfter() != null ? newer.sleepAfter() : old.sleepAfter(),
                newer.keepAlive() != null ? newer.keepAlive() : old.keepAlive(),
                newer.alwaysActive() != null ? newer.alwaysActive() : old.alwaysActive(),
                newer.persistentRequired() != null ? newer.persistentRequired() : old.persistentRequired()));
        return CompletableFuture.completedFuture(new SettingsResult.Applied());
    }

    @Override
    public Subscription subscribe(EventListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public CompletableFuture<StreamOpenResult> openStream(String deviceId, int port, long window, StreamSink sink) {
        if (!known(deviceId)) {
            return CompletableFuture.completedFuture(new StreamOpenResult.UnknownDevice());
        }
        if (port == 8) {
            int n = overruns.incrementAndGet();
            CompletableFuture<StreamOpenResult> opened = new CompletableFuture<>();
            StreamHandle handle = new StreamHandle() {
                @Override
                public void write(ByteBuf data) {
                    data.release();
                }

                @Override
                public void window(long increment) {
                }

                @Override
                public void close() {
                }

                @Override
                public void reset(StreamStatus reason) {
                    overrunResets.put(n, reason);
                }
            };
            // As the gateway contract says: the answer first, then what the device sends.
            CompletableFuture.runAsync(() -> {
                opened.complete(new StreamOpenResult.Opened(1024, handle));
                sink.onData(io.netty.buffer.Unpooled.wrappedBuffer(new byte[(int) window + 1]));
            });
            return opened;
        }
        if (port != 7) {
            return CompletableFuture.completedFuture(new StreamOpenResult.Refused(StreamStatus.NOT_EXPOSED));
        }
        EchoStream echo = new EchoStream(sink, window);
        openStreams.add(echo);
        return CompletableFuture.completedFuture(new StreamOpenResult.Opened(EchoStream.DEVICE_WINDOW, echo));
    }

    /** The device side of an echo stream: sends back what it gets, never beyond the back-end's window. */
    final class EchoStream implements StreamHandle {
        static final long DEVICE_WINDOW = 32 * 1024;
        private final StreamSink sink;
        private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        private long credit;
        private boolean closing;
        volatile long maxPending;

        EchoStream(StreamSink sink, long window) {
            this.sink = sink;
            this.credit = window;
        }

        @Override
        public synchronized void write(ByteBuf data) {
            pending.addLast(data);
            long buffered = pending.stream().mapToLong(ByteBuf::readableBytes).sum();
            maxPending = Math.max(maxPending, buffered);
            flush();
        }

        @Override
        public synchronized void window(long increment) {
            credit += increment;
            flush();
        }

        @Override
        public synchronized void close() {
            closing = true;
            flush();
        }

        @Override
        public synchronized void reset(StreamStatus reason) {
            pending.forEach(ByteBuf::release);
            pending.clear();
            openStreams.remove(this);
        }

        private void flush() {
            while (!pending.isEmpty() && credit > 0) {
                ByteBuf head = pending.peekFirst();
                int n = (int) Math.min(credit, head.readableBytes());
                ByteBuf chunk = head.readRetainedSlice(n);
                if (!head.isReadable()) {
                    pending.pollFirst().release();
                }
                credit -= n;
                sink.onData(chunk);
                sink.onWindow(n); // the "device" consumed what it echoed
            }
            if (closing && pending.isEmpty()) {
                closing = false;
                sink.onClose();
                openStreams.remove(this);
            }
        }
    }
}
