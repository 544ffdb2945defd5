package io.connmgr.appliance.session;

import java.util.Locale;

/**
 * Where a device connection lives. Each tier is cheaper than the one before it; DISCONNECTED is not a tier of a
 * connection but of a session whose device has gone away and may come back before the session expires.
 */
public enum Tier {
    /** Full pipeline and session object: application data is flowing. */
    ACTIVE,
    /** Minimal pipeline, no decoder state; the session object stays in memory. */
    IDLE,
    /** Session in the store; the socket parked in the sleep table, no Netty object at all. */
    SLEEP,
    /** No socket; the session waits in the store for the device to resume it. */
    DISCONNECTED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses ACTIVE/active; null when the text names no tier. */
    public static Tier parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
