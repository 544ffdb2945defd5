package io.connmgr.appliance.session;

import java.util.Locale;

/** Why a connection changed tier; a metric tag on every transition. */
public enum TierCause {
    /** The idle-after or sleep-after timer ran out. */
    TIMER,
    /** The last server link to the device closed. */
    SERVER_ACTIVITY,
    /** Heap use or the number of awake connections crossed a threshold. */
    PRESSURE,
    /** The device asked for it with a CMD. */
    DEVICE_COMMAND,
    /** An operator asked for it through the admin API. */
    ADMIN,
    /** The device sent application data. */
    DEVICE_DATA,
    /** A server asked to reach the device. */
    SERVER_REQUEST,
    /** A new connection completed its handshake. */
    CONNECT,
    /** The connection ended. */
    DISCONNECT;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
