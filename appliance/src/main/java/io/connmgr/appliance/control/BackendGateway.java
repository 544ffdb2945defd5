package io.connmgr.appliance.control;

import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the control channel needs from the rest of the appliance, and nothing else: the control server talks to
 * the message queue, RPC, presence and the stream engine only through this interface.
 *
 * <p>Threading: every method may be called on a control-channel event loop and must not block; futures may complete
 * on any thread, and listener/sink callbacks may come from any thread (the control server moves them onto the
 * channel's event loop). A future should never complete exceptionally for an expected outcome: those are the typed
 * results below; an exceptional completion is answered as {@code INTERNAL_ERROR}.
 */
public interface BackendGateway {

    /**
     * Queues {@code payload} for {@code deviceId}. Completes {@link SendResult.Accepted} only once the message is
     * durable (the appliance never acknowledges before the data is safe). A repeated {@code idempotencyKey} for the same
     * device completes with the message id of the first send.
     *
     * @param ttl            how long the message may wait for the device; {@code null} for the appliance's default
     * @param idempotencyKey {@code null} for none
     */
    CompletableFuture<SendResult> send(String deviceId, byte[] payload, Duration ttl, String idempotencyKey);

    /** Calls {@code method} on the device and waits at most {@code timeout} for its answer. */
    CompletableFuture<RpcResult> rpc(String deviceId, String method, byte[] body, Duration timeout);

    /** Changes the device's connection-manager settings; null fields of {@code settings} stay unchanged. */
    CompletableFuture<SettingsResult> applySettings(String deviceId, DeviceSettings settings);

    /**
     * Delivers every uplink message (once accepted) and presence event of every device to {@code listener} until the
     * subscription is closed. The listener must be fast and never block; the control server filters and queues.
     */
    Subscription subscribe(EventListener listener);

    /**
     * Opens a stream to {@code port} on the device, granting the device {@code window} bytes (the back-end's
     * receive window). On {@link StreamOpenResult.Opened} the caller may write up to its {@code window} bytes, and
     * grows it on {@link StreamSink#onWindow}; the gateway calls {@code sink} for everything the device side sends,
     * and only after the future has completed. Flow control is end to end: the control server relays windows and
     * never buffers beyond them.
     *
     * <p>Cancelling the returned future gives the open up (the back-end went away): no stream remains, and a device
     * that was already asked is told so.
     */
    CompletableFuture<StreamOpenResult> openStream(String deviceId, int port, long window, StreamSink sink);

    /** The control-channel capabilities (BackendWire.CAP_*) this gateway serves; WELCOME grants no others. */
    default int capabilities() {
        return io.connmgr.protocol.backend.BackendWire.ALL_CAPABILITIES;
    }

    @FunctionalInterface
    interface EventListener {
        void onEvent(DeviceEvent event);
    }

    @FunctionalInterface
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** What the device side of a stream sends towards the back-end. */
    interface StreamSink {
        /** Stream bytes; ownership of {@code data} passes to the sink. Never more than the granted window. */
        void onData(ByteBuf data);

        /** The device side may take {@code increment} more bytes. */
        void onWindow(long increment);

        /** The device side sends nothing more (half-close). */
        void onClose();

        /** The stream was aborted on the device side. */
        void onReset(StreamStatus reason);
    }

    /** The back-end's end of an open stream. Calls come from the control channel's event loop, in order. */
    interface StreamHandle {
        /** Bytes towards the device; ownership of {@code data} passes to the handle. Never beyond the window. */
        void write(ByteBuf data);

        /** The back-end consumed data: the device side may send {@code increment} more bytes. */
        void window(long increment);

        /** The back-end sends nothing more (half-close). */
        void close();

        /** Aborts the stream in both directions. */
        void reset(StreamStatus reason);
    }

    sealed interface SendResult {
        record Accepted(String messageId) implements SendResult { }
        record QueueFull() implements SendResult { }
        record UnknownDevice() implements SendResult { }
        record NotSupported() implements SendResult { }
        /** The payload does not fit in one device frame; {@code reason} gives the limit. */
        record TooLarge(String reason) implements SendResult { }
        /** An appliance-wide message limit is reached (docs/configuration.md, "Backpressure and caps"); retry later. */
        record Busy(String reason) implements SendResult { }
    }

    sealed interface RpcResult {
        record Ok(byte[] body) implements RpcResult { }
        /** The device's handler failed; {@code message} is its error text. */
        record Error(String message) implements RpcResult { }
        record NoHandler() implements RpcResult { }
        record Timeout() implements RpcResult { }
        record UnknownDevice() implements RpcResult { }
        record Offline() implements RpcResult { }
        record NotSupported() implements RpcResult { }
        /** The request does not fit in one device frame; {@code reason} gives the limit. */
        record TooLarge(String reason) implements RpcResult { }
        /** Too many calls are waiting for this device or this appliance; retry later. */
        record Busy(String reason) implements RpcResult { }
    }

    sealed interface SettingsResult {
        record Applied() implements SettingsResult { }
        record UnknownDevice() implements SettingsResult { }
        /** A value out of the appliance's bounds; {@code reason} says which. */
        record Invalid(String reason) implements SettingsResult { }
        record NotSupported() implements SettingsResult { }
    }

    sealed interface StreamOpenResult {
        /** Open: the back-end may send {@code window} bytes through {@code handle}. */
        record Opened(long window, StreamHandle handle) implements StreamOpenResult { }
        /** The device side refused (NOT_EXPOSED, REFUSED, UNREACHABLE, TOO_MANY_STREAMS, ...). */
        record Refused(StreamStatus status) implements StreamOpenResult { }
        record UnknownDevice() implements StreamOpenResult { }
        record Offline() implements StreamOpenResult { }
        /** This appliance, or this device, cannot carry the stream; {@code detail} says why (may be empty). */
        record NotSupported(String detail) implements StreamOpenResult {
            public NotSupported() {
                this("");
            }
        }
    }
}
