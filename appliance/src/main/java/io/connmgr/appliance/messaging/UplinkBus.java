package io.connmgr.appliance.messaging;

import io.connmgr.appliance.session.UplinkSink;
import io.connmgr.protocol.message.Msg;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fans every accepted uplink message out to its subscribers (the webhook, a test, later a back-end control channel).
 * Runs on the device's event loop, before the device gets its ACK: subscribers must only hand the message on, never
 * block. One failing subscriber does not keep the message from the others.
 */
public final class UplinkBus implements UplinkSink {
    private static final Logger log = LoggerFactory.getLogger(UplinkBus.class);

    private final List<UplinkSink> subscribers = new CopyOnWriteArrayList<>();

    /** Adds a subscriber; closing the returned handle removes it. */
    public AutoCloseable subscribe(UplinkSink subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    @Override
    public void accept(String deviceId, Msg msg) {
        for (UplinkSink s : subscribers) {
            try {
                s.accept(deviceId, msg);
            } catch (RuntimeException e) {
                log.warn("uplink subscriber {} failed on a message from {}: {}", s, deviceId, e.toString());
            }
        }
    }
}
