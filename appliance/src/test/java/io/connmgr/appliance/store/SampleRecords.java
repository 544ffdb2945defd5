package io.connmgr.appliance.store;

import java.util.Arrays;

/** Records with distinct, recognisable field values for store tests. */
public final class SampleRecords {

    private SampleRecords() {
    }

    public static byte[] bytes(int length, int first) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (first + i);
        }
        return out;
    }

    public static SessionRecord session(String deviceId) {
        return new SessionRecord(deviceId, 42L, bytes(16, 1), SessionState.SLEEPING,
                1_700_000_060_000L, 1_700_000_030_000L, "203.0.113.7:50123", 1000L, 2000L, 1_700_000_000_000L, 300);
    }

    public static SessionRecord sessionWithoutAddress(String deviceId) {
        return new SessionRecord(deviceId, -5L, bytes(16, 100), SessionState.DISCONNECTED,
                0L, Long.MIN_VALUE, null, -1L, Long.MAX_VALUE, 123L, SessionRecord.MAX_KEEP_ALIVE_SECONDS);
    }

    /** {@link #session} with another device key. */
    public static SessionRecord session(String deviceId, long deviceKey) {
        SessionRecord s = session(deviceId);
        return new SessionRecord(deviceId, deviceKey, s.resumeToken(), s.state(), s.sinceMillis(),
                s.lastActivityMillis(), s.remoteAddress(), s.lastUplinkSeq(), s.lastDownlinkSeq(),
                s.connectedAtMillis(), s.keepAliveSeconds());
    }

    public static DeviceRecord device(String deviceId) {
        return new DeviceRecord(deviceId, bytes(32, 7), 1_700_000_000_000L);
    }

    public static DeviceSettings settings() {
        return new DeviceSettings(60_000L, 3_600_000L, null, true);
    }

    /** Device ids that sort in this order both as Strings and as UTF-8 bytes. */
    public static String[] orderedIds(int count) {
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = String.format("dev-%04d", i);
        }
        return Arrays.copyOf(ids, count);
    }
}
