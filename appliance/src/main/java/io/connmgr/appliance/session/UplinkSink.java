package io.connmgr.appliance.session;

import io.connmgr.protocol.message.Msg;

/** Where application messages from devices go once the appliance has accepted them. */
@FunctionalInterface
public interface UplinkSink {
    void accept(String deviceId, Msg msg);

    UplinkSink DISCARD = (deviceId, msg) -> { };
}
