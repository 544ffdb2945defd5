package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.CodeTable;

/** What happened to a device, in a PRESENCE event. */
public enum PresenceKind {
    CONNECTED(1),
    DISCONNECTED(2),
    TIER_CHANGED(3);

    private static final CodeTable<PresenceKind> BY_CODE = CodeTable.of(values(), PresenceKind::code);

    private final int code;

    PresenceKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind with that code, or {@code null} when unassigned. */
    public static PresenceKind fromCode(int code) {
        return BY_CODE.get(code);
    }
}
