package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.SessionState;

/**
 * Binary form of a {@link SessionRecord}. The device id is the store key, so it is not repeated in the value.
 *
 * <pre>
 * version 1:
 *   u8      format version (1)
 *   u8      state code ({@link SessionState#code()})
 *   u8      flags: bit 0 = remote address present; other bits zero
 *   varint  deviceKey
 *   16      resume token
 *   varint  connectedAtMillis
 *   varint  sinceMillis - connectedAtMillis
 *   varint  lastActivityMillis - connectedAtMillis
 *   varint  lastUplinkSeq
 *   varint  lastDownlinkSeq
 *   varint  keepAliveSeconds (0 to 65535)
 *   varint length + UTF-8   remote address, if flagged
 * </pre>
 * Varints are zig-zag LEB128. The two timestamps are stored relative to {@code connectedAtMillis}, which turns two
 * six-byte numbers into one- to four-byte ones; the subtraction wraps like any long, so every value round-trips.
 */
public final class SessionRecordSerializer {

    public static final int VERSION = 1;

    private static final int FLAG_REMOTE_ADDRESS = 1;

    public byte[] serialize(SessionRecord session) {
        String remote = session.remoteAddress();
        RecordWriter out = new RecordWriter(64)
                .writeByte(VERSION)
                .writeByte(session.state().code())
                .writeByte(remote != null ? FLAG_REMOTE_ADDRESS : 0)
                .writeVarLong(session.deviceKey())
                .writeBytes(session.resumeToken())
                .writeVarLong(session.connectedAtMillis())
                .writeVarLong(session.sinceMillis() - session.connectedAtMillis())
                .writeVarLong(session.lastActivityMillis() - session.connectedAtMillis())
                .writeVarLong(session.lastUplinkSeq())
                .writeVarLong(session.lastDownlinkSeq())
                .writeVarLong(session.keepAliveSeconds());
        if (remote != null) {
            out.writeString(remote);
        }
        return out.toByteArray();
    }

    /**
     * @throws RecordFormatException when the bytes are not a session record this build can read
     */
    public SessionRecord deserialize(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "session record of device '" + deviceId + "'");
        in.readVersion(VERSION);
        int stateCode = in.readUnsignedByte();
        SessionState state = SessionState.fromCode(stateCode);
        if (state == null) {
            throw in.fail("has unknown state code " + stateCode);
        }
        int flags = in.readUnsignedByte();
        if ((flags & ~FLAG_REMOTE_ADDRESS) != 0) {
            throw in.fail("has unknown flags 0x" + Integer.toHexString(flags));
        }
        long deviceKey = in.readVarLong();
        byte[] resumeToken = in.readBytes(SessionRecord.RESUME_TOKEN_LENGTH);
        long connectedAt = in.readVarLong();
        long since = connectedAt + in.readVarLong();
        long lastActivity = connectedAt + in.readVarLong();
        long uplinkSeq = in.readVarLong();
        long downlinkSeq = in.readVarLong();
        long keepAlive = in.readVarLong();
        // Checked here so that damaged bytes surface as a format error, not as the constructor's argument error.
        if (keepAlive < 0 || keepAlive > SessionRecord.MAX_KEEP_ALIVE_SECONDS) {
            throw in.fail("has keep-alive " + keepAlive + " s, outside 0 to " + SessionRecord.MAX_KEEP_ALIVE_SECONDS);
        }
        String remote = (flags & FLAG_REMOTE_ADDRESS) != 0 ? in.readString() : null;
        in.requireEnd();
        return new SessionRecord(deviceId, deviceKey, resumeToken, state, since, lastActivity, remote,
                uplinkSeq, downlinkSeq, connectedAt, (int) keepAlive);
    }
}
