package io.connmgr.appliance.tier.sleep;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SleepLoop}.
 *
 * @param ping                the exact bytes of a keep-alive request; a parked socket that sends anything else wakes
 * @param pong                the exact bytes answered to each ping
 * @param initialCapacity     table slots allocated up front (fd slots and key-index entries); the table doubles beyond
 * @param maxEntries          parked sockets beyond this are refused
 * @param readBufferBytes     bytes read per readiness event; pings beyond this are answered on the next event
 * @param silenceScanInterval how often entries are checked for silence timeouts
 */
public record SleepLoopOptions(byte[] ping, byte[] pong, int initialCapacity, int maxEntries, int readBufferBytes,
                               Duration silenceScanInterval) {

    public SleepLoopOptions {
        Objects.requireNonNull(ping, "ping");
        Objects.requireNonNull(pong, "pong");
        Objects.requireNonNull(silenceScanInterval, "silenceScanInterval");
        if (ping.length == 0 || pong.length == 0) {
            throw new IllegalArgumentException("ping and pong must not be empty");
        }
        if (initialCapacity < 1 || maxEntries < 1) {
            throw new IllegalArgumentException(
                    "initialCapacity and maxEntries must be >= 1: " + initialCapacity + ", " + maxEntries);
        }
        if (readBufferBytes < ping.length) {
            throw new IllegalArgumentException(
                    "readBufferBytes " + readBufferBytes + " is shorter than a ping (" + ping.length + ")");
        }
        if (silenceScanInterval.toMillis() < 1) {
            throw new IllegalArgumentException("silenceScanInterval must be >= 1 ms: " + silenceScanInterval);
        }
        // The loop keeps these in native memory; copying here means a caller's later change cannot reach them.
        ping = ping.clone();
        pong = pong.clone();
    }

    @Override
    public byte[] ping() {
        return ping.clone();
    }

    @Override
    public byte[] pong() {
        return pong.clone();
    }
}
