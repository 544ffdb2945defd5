package io.connmgr.appliance.stream;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;

/** Turning reading back on for a relayed connection. */
final class Reading {
    private Reading() {
    }

    /**
     * A side that has sent its FIN has nothing more to read, so reading stays off (on plain Netty 4.2.18 turning it
     * back on even failed the channel, see {@link io.connmgr.protocol.relay.EpollLoops}). Checked on the channel's own
     * loop, where the FIN is processed, so the check cannot go stale; at once when already there.
     */
    static void resume(Channel channel) {
        if (channel.eventLoop().inEventLoop()) {
            resumeHere(channel);
        } else {
            channel.eventLoop().execute(() -> resumeHere(channel));
        }
    }

    private static void resumeHere(Channel channel) {
        if (!(channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }
}
