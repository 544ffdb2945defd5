package io.connmgr.appliance.session;

import io.connmgr.protocol.message.Msg;

/** Where application messages from devices go once the appliance has accepted them. */
@FunctionalInterface
public interface UplinkSink {
    void accept(String deviceId, Msg msg);

    /** Whether this sink is behind: more accepted now would have to queue (or be dropped); devices are paused. */
    default boolean behind() {
        return false;
    }

    UplinkSink DISCARD = (deviceId, msg) -> { };
}
