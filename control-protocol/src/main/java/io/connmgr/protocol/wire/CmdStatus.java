package io.connmgr.protocol.wire;

/** Outcome of a CMD, carried by CMD_RESULT. */
public enum CmdStatus {
    OK(0x00),
    INVALID_VALUE(0x01),
    UNKNOWN_COMMAND(0x02),
    FAILED(0x03);

    private static final CodeTable<CmdStatus> BY_CODE = CodeTable.of(values(), CmdStatus::code);

    private final int code;

    CmdStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static CmdStatus fromCode(int code) {
        return BY_CODE.get(code);
    }
}
