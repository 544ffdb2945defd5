package io.connmgr.agent.control;

import io.netty.channel.Channel;

import java.util.concurrent.ScheduledFuture;

/**
 * One TCP connection to the appliance and what belongs to it alone. The client replaces the whole object on every
 * attempt, so an event from an old connection is recognised by identity and ignored. Confined to the event loop.
 */
final class Link {
    /** Set once, right after the channel is created. */
    Channel channel;
    /** Set by whoever decides to end the link, before closing it, so the close is reported with the real reason. */
    DisconnectCause cause;
    boolean welcomed;
    /** A downlink MSG was delivered in this read batch; one cumulative ACK goes out when the batch ends. */
    boolean ackDue;
    KeepAlive keepAlive;
    ScheduledFuture<?> handshakeTimer;
    ScheduledFuture<?> keepAliveTask;
    /** On demand: the next check whether the link has been quiet long enough to end. */
    ScheduledFuture<?> quietTimer;

    /** Welcomed and not being ended: frames written now reach the appliance on this link. */
    boolean usable() {
        return welcomed && cause == null;
    }

    /** Records why the link ends (the first reason wins) and closes it. */
    void end(DisconnectCause why) {
        if (cause == null) {
            cause = why;
        }
        channel.close();
    }

    void cancelTimers() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (keepAliveTask != null) {
            keepAliveTask.cancel(false);
        }
        if (quietTimer != null) {
            quietTimer.cancel(false);
        }
    }
}
