package io.connmgr.appliance.stream;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;

/** Turning reading back on for a relayed connection. */
final class Reading {
    private Reading() {
    }

    /**
     * A side that has sent its FIN has nothing more to read; asking epoll to read it again fails, and the failure
     * would close the connection before the bytes still owed to it are written. Checked on the channel's own loop,
     * where the FIN is processed, so the check cannot go stale.
     */
    static void resume(Channel channel) {
        channel.eventLoop().execute(() -> {
            if (!(channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) && channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        });
    }
}
