package io.connmgr.protocol.backend;

/** Constants of the back-end control channel (docs/protocol.md section 14). Framing is that of the device link. */
public final class BackendWire {
    /** First two payload bytes of BACKEND_HELLO ("CB"), telling a control-channel client from a stray one. */
    public static final int HELLO_MAGIC = 0x4342;
    /** The only control-channel version this implementation speaks. */
    public static final int VERSION = 1;
    public static final int DEFAULT_PORT = 7781;

    /** Capability bits of HELLO and WELCOME: the appliance answers with the intersection. */
    public static final int CAP_EVENTS = 0x01;
    public static final int CAP_RPC = 0x02;
    public static final int CAP_STREAMS = 0x04;
    public static final int CAP_SETTINGS = 0x08;
    public static final int ALL_CAPABILITIES = CAP_EVENTS | CAP_RPC | CAP_STREAMS | CAP_SETTINGS;

    public static final int MAX_NAME_BYTES = 64;
    public static final int MAX_TOKEN_BYTES = 255;
    public static final int MAX_IDEMPOTENCY_KEY_BYTES = 64;
    /** Largest number of device ids one SUBSCRIBE may list. */
    public static final int MAX_FILTER_IDS = 1024;

    /** SETTINGS "present" bits: which fields the request changes. */
    public static final int SET_IDLE_AFTER = 0x01;
    public static final int SET_SLEEP_AFTER = 0x02;
    public static final int SET_KEEP_ALIVE = 0x04;
    public static final int SET_ALWAYS_ACTIVE = 0x08;
    public static final int SET_PERSISTENT_REQUIRED = 0x10;

    /** EVENT kinds. */
    public static final int EVENT_UPLINK = 1;
    public static final int EVENT_PRESENCE = 2;
    public static final int EVENT_LOSS = 3;

    private BackendWire() {
    }
}
