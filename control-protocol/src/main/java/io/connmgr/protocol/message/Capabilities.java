package io.connmgr.protocol.message;

/** Bits of the capability set exchanged in HELLO and WELCOME. Unknown bits are ignored by both sides. */
public final class Capabilities {
    /** Understands CMD frames (connection-manager commands). */
    public static final int CM_COMMANDS = 1;
    /** Can carry multiplexed streams (STREAM_* frames). */
    public static final int STREAMS = 1 << 1;
    /** Answers RPC_REQUEST frames. */
    public static final int RPC = 1 << 2;
    /** Can open dedicated data connections for streams. */
    public static final int DATA_CONNECTIONS = 1 << 3;
    /** Passes CONNECT_REQUEST on to a local application that dials in itself. */
    public static final int CONNECT_REQUESTS = 1 << 4;
    /** May open streams towards named back-end services (device-initiated links). */
    public static final int DEVICE_LINKS = 1 << 5;

    private Capabilities() {
    }
}
