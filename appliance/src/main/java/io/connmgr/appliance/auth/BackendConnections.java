package io.connmgr.appliance.auth;

import io.netty.channel.Channel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open connections authenticated with each back-end credential (control channels, proxy connections), so that
 * revoking the credential ends them at once. Each connection registers how it is to be ended, since every protocol
 * says goodbye in its own way; it leaves the table when its channel closes.
 *
 * <p>A credential checked just before its revocation and registered just after would escape it; so a connection
 * takes a {@link #stamp()} before its credential is checked, and registering with a stamp older than the back-end's
 * last revocation ends it at once.
 */
public final class BackendConnections {
    private final Map<String, Map<Channel, Runnable>> byBackend = new ConcurrentHashMap<>();
    private final Map<String, Long> revokedAt = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();

    /** Take before checking a credential; pass to {@link #register}. */
    public long stamp() {
        return clock.get();
    }

    /**
     * @param stamp what {@link #stamp()} said before the credential was checked
     * @param end   ends the connection with its protocol's "credential revoked" error; runs on the channel's event loop
     * @return false when the credential was revoked meanwhile: {@code end} has been run
     */
    public boolean register(String backend, Channel channel, long stamp, Runnable end) {
        byBackend.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()).put(channel, end);
        if (revokedAt.getOrDefault(backend, -1L) >= stamp) {
            unregister(backend, channel);
            channel.eventLoop().execute(end);
            return false;
        }
        channel.closeFuture().addListener(f -> unregister(backend, channel));
        return true;
    }

    private void unregister(String backend, Channel channel) {
        byBackend.computeIfPresent(backend, (b, channels) -> {
            channels.remove(channel);
            return channels.isEmpty() ? null : channels;
        });
    }

    /** Ends every open connection of {@code backend}; returns how many were asked to end. */
    public int revoke(String backend) {
        revokedAt.put(backend, clock.getAndIncrement());
        Map<Channel, Runnable> channels = byBackend.remove(backend);
        if (channels == null) {
            return 0;
        }
        channels.forEach((channel, end) -> channel.eventLoop().execute(end));
        return channels.size();
    }

    /** Open connections of {@code backend} (metrics, tests). */
    public int count(String backend) {
        Map<Channel, Runnable> channels = byBackend.get(backend);
        return channels == null ? 0 : channels.size();
    }
}
