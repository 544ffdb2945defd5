package io.connmgr.appliance.store;

import io.connmgr.protocol.wire.CodeTable;

/**
 * State of a persisted session. A session is written when its device connects (CONNECTED: the record a resume after
 * a crash needs), when it sleeps and when its device goes; ACTIVE and IDLE are told apart only in memory.
 *
 * <p>Each state has a fixed on-disk code, so reordering or adding constants never changes stored data.
 */
public enum SessionState {
    SLEEPING(1),
    DISCONNECTED(2),
    /** The device was connected when this was written; after a restart it means DISCONNECTED. */
    CONNECTED(3);

    private static final CodeTable<SessionState> BY_CODE = CodeTable.of(values(), SessionState::code);

    private final int code;

    SessionState(int code) {
        this.code = code;
    }

    /** The byte that represents this state on disk. */
    public int code() {
        return code;
    }

    /** The state for an on-disk code, or null when the code is unknown. */
    public static SessionState fromCode(int code) {
        return BY_CODE.get(code);
    }
}
