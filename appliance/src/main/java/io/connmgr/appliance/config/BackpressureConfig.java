package io.connmgr.appliance.config;

import io.netty.channel.WriteBufferWaterMark;

import java.util.Map;

/**
 * Appliance-wide caps that keep memory bounded when back-ends or devices send more than the appliance can pass on
 * (docs/configuration.md, "Backpressure and caps"). Per-device limits live with their feature (max-streams-per-device,
 * message-queue-max, rpc-max-pending-per-device).
 *
 * @param maxStreams            concurrent streams in the whole appliance
 * @param messageQueueMaxTotal  queued downlink messages in the whole appliance
 * @param messageStorePendingMax downlink messages accepted and waiting for their fsync
 * @param writeBufferHigh       outbound bytes above which a connection is unwritable
 * @param writeBufferLow        outbound bytes below which it is writable again
 */
public record BackpressureConfig(int maxStreams, int messageQueueMaxTotal, int messageStorePendingMax,
                                 int writeBufferHigh, int writeBufferLow) {

    /** The values the settings default to; for components built without a configuration (tests). */
    public static final BackpressureConfig DEFAULTS = new BackpressureConfig(20_000, 1_000_000, 4096, 64 * 1024,
            32 * 1024);

    static BackpressureConfig from(Map<String, Object> v) {
        int high = i(v, "write-buffer-high");
        // A low mark above the high one is meaningless (Netty refuses it); clamp rather than fail start-up.
        int low = Math.min(i(v, "write-buffer-low"), high);
        return new BackpressureConfig(i(v, "max-streams"), i(v, "message-queue-max-total"),
                i(v, "message-store-pending-max"), high, low);
    }

    public WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(writeBufferLow, writeBufferHigh);
    }

    private static int i(Map<String, Object> v, String key) {
        return Math.toIntExact((Long) v.get(key));
    }
}
