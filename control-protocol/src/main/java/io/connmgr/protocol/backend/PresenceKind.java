package io.connmgr.protocol.backend;

/** What happened to a device, in a PRESENCE event. */
public enum PresenceKind {
    CONNECTED(1),
    DISCONNECTED(2),
    TIER_CHANGED(3);

    private final int code;

    PresenceKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind with that code, or {@code null} when unassigned. */
    public static PresenceKind fromCode(int code) {
        for (PresenceKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
