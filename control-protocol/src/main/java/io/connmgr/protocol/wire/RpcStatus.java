package io.connmgr.protocol.wire;

/** Outcome of an RPC, carried by RPC_RESPONSE. */
public enum RpcStatus {
    /** The handler answered; the body is its reply. */
    OK(0x00),
    /** The device has no handler for the method. */
    NO_HANDLER(0x01),
    /** The handler failed; the body is a UTF-8 error text. */
    ERROR(0x02),
    /** The device could not answer before the request's deadline. */
    TIMEOUT(0x03);

    private static final CodeTable<RpcStatus> BY_CODE = CodeTable.of(values(), RpcStatus::code);

    private final int code;

    RpcStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status with that code, or {@code null} when unassigned. */
    public static RpcStatus fromCode(int code) {
        return BY_CODE.get(code);
    }
}
