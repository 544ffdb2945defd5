package io.connmgr.appliance.control;

import java.time.Duration;

/**
 * Settings of the control-channel listener.
 *
 * @param bindAddress        address to listen on
 * @param port               TCP port; 0 picks a free one
 * @param maxFrameSize       largest frame payload accepted from a back-end
 * @param handshakeTimeout   time a new connection has to complete HELLO (including authentication)
 * @param keepAlive          the appliance PINGs a quiet back-end this often; 3 silent intervals end the channel
 * @param maxPendingEvents   events queued per channel for a slow reader before the oldest are dropped
 * @param maxInFlight        requests a channel may have outstanding before the appliance stops reading from it
 * @param writeBufferLow     outbound bytes below which a paused channel is read again
 * @param writeBufferHigh    outbound bytes above which the channel stops reading and events wait in the queue
 */
public record ControlOptions(String bindAddress, int port, int maxFrameSize, Duration handshakeTimeout,
                             Duration keepAlive, int maxPendingEvents, int maxInFlight, int writeBufferLow,
                             int writeBufferHigh) {

    public static final int DEFAULT_MAX_PENDING_EVENTS = 4096;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;

    /**
     * Room for a request's own fields (ids, timeout, device id, method or idempotency key, at most 4+4+1+128+1+255
     * bytes) on top of the device link's largest payload, so a back-end can send a payload as large as a device
     * accepts, and a larger one is refused as INVALID_REQUEST rather than ending the channel.
     */
    public static final int REQUEST_HEAD_ALLOWANCE = 512;

    /** @param deviceMaxFrameSize the device link's largest payload */
    public static ControlOptions defaults(String bindAddress, int port, int deviceMaxFrameSize,
                                          Duration handshakeTimeout) {
        return new ControlOptions(bindAddress, port, deviceMaxFrameSize + REQUEST_HEAD_ALLOWANCE, handshakeTimeout, Duration.ofSeconds(30),
                DEFAULT_MAX_PENDING_EVENTS, DEFAULT_MAX_IN_FLIGHT, 64 * 1024, 256 * 1024);
    }

    public ControlOptions withMaxPendingEvents(int n) {
        return new ControlOptions(bindAddress, port, maxFrameSize, handshakeTimeout, keepAlive, n, maxInFlight,
                writeBufferLow, writeBufferHigh);
    }

    public ControlOptions withKeepAlive(Duration d) {
        return new ControlOptions(bindAddress, port, maxFrameSize, handshakeTimeout, d, maxPendingEvents,
                maxInFlight, writeBufferLow, writeBufferHigh);
    }
}
