package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.CodeTable;

/** The tier of a device's connection as the control channel reports it; {@code NONE} when it is not connected. */
public enum PresenceTier {
    NONE(0),
    ACTIVE(1),
    IDLE(2),
    SLEEP(3);

    private static final CodeTable<PresenceTier> BY_CODE = CodeTable.of(values(), PresenceTier::code);

    private final int code;

    PresenceTier(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The tier with that code, or {@code null} when unassigned. */
    public static PresenceTier fromCode(int code) {
        return BY_CODE.get(code);
    }
}
