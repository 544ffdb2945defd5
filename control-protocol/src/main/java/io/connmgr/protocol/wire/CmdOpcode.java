package io.connmgr.protocol.wire;

/** Connection-manager commands a device may send in a CMD frame. Values are unsigned 32-bit. */
public enum CmdOpcode {
    /** value: seconds without application data before ACTIVE becomes IDLE; 0 restores the default. */
    SET_IDLE_AFTER(0x01),
    /** value: seconds without application data before the connection sleeps; 0 restores the default. */
    SET_SLEEP_AFTER(0x02),
    /** value: keep-alive interval in seconds the device will use; 0 restores the default. */
    SET_KEEPALIVE(0x03),
    /** value: 1 = never demote this device, 0 = normal tiering. */
    SET_ALWAYS_ACTIVE(0x04),
    /** value ignored: put the connection to sleep now. */
    SLEEP_NOW(0x05);

    private static final CodeTable<CmdOpcode> BY_CODE = CodeTable.of(values(), CmdOpcode::code);

    private final int code;

    CmdOpcode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static CmdOpcode fromCode(int code) {
        return BY_CODE.get(code);
    }
}
