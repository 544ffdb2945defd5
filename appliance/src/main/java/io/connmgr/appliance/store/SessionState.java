package io.connmgr.appliance.store;

/**
 * State of a persisted session. Only these are ever written: ACTIVE and IDLE sessions live in memory.
 *
 * <p>Each state has a fixed on-disk code, so reordering or adding constants never changes stored data.
 */
public enum SessionState {
    SLEEPING(1),
    DISCONNECTED(2);

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
        for (SessionState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        return null;
    }
}
