package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.DeviceSettings;

/**
 * Binary form of {@link DeviceSettings}. A presence bit per field keeps "use the global default" (null) distinct
 * from any value, and absent fields take no bytes.
 *
 * <pre>
 * version 1:
 *   u8      format version (1)
 *   u8      flags: bit 0 idleAfter present, bit 1 sleepAfter present, bit 2 keepAlive present,
 *                  bit 3 alwaysActive present, bit 4 alwaysActive value; other bits zero
 *   varint  idleAfterMillis, if present (zig-zag LEB128)
 *   varint  sleepAfterMillis, if present
 *   varint  keepAliveMillis, if present
 *
 * version 2: as version 1, with flags bit 5 persistentRequired present, bit 6 its value. Written only when
 * persistentRequired is set, so that settings without it stay readable by builds that know only version 1.
 * </pre>
 */
public final class DeviceSettingsSerializer {

    public static final int VERSION = 2;

    private static final int IDLE_AFTER = 1;
    private static final int SLEEP_AFTER = 1 << 1;
    private static final int KEEP_ALIVE = 1 << 2;
    private static final int ALWAYS_ACTIVE_PRESENT = 1 << 3;
    private static final int ALWAYS_ACTIVE_VALUE = 1 << 4;
    private static final int PERSISTENT_PRESENT = 1 << 5;
    private static final int PERSISTENT_VALUE = 1 << 6;
    private static final int KNOWN_FLAGS_V1 = IDLE_AFTER | SLEEP_AFTER | KEEP_ALIVE | ALWAYS_ACTIVE_PRESENT
            | ALWAYS_ACTIVE_VALUE;
    private static final int KNOWN_FLAGS = KNOWN_FLAGS_V1 | PERSISTENT_PRESENT | PERSISTENT_VALUE;

    public byte[] serialize(DeviceSettings settings) {
        int flags = (settings.idleAfterMillis() != null ? IDLE_AFTER : 0)
                | (settings.sleepAfterMillis() != null ? SLEEP_AFTER : 0)
                | (settings.keepAliveMillis() != null ? KEEP_ALIVE : 0)
                | (settings.alwaysActive() != null ? ALWAYS_ACTIVE_PRESENT : 0)
                | (Boolean.TRUE.equals(settings.alwaysActive()) ? ALWAYS_ACTIVE_VALUE : 0)
                | (settings.persistentRequired() != null ? PERSISTENT_PRESENT : 0)
                | (Boolean.TRUE.equals(settings.persistentRequired()) ? PERSISTENT_VALUE : 0);
        int version = settings.persistentRequired() != null ? 2 : 1;
        RecordWriter out = new RecordWriter(32).writeByte(version).writeByte(flags);
        if (settings.idleAfterMillis() != null) {
            out.writeVarLong(settings.idleAfterMillis());
        }
        if (settings.sleepAfterMillis() != null) {
            out.writeVarLong(settings.sleepAfterMillis());
        }
        if (settings.keepAliveMillis() != null) {
            out.writeVarLong(settings.keepAliveMillis());
        }
        return out.toByteArray();
    }

    /**
     * @throws RecordFormatException when the bytes are not settings this build can read
     */
    public DeviceSettings deserialize(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "settings of device '" + deviceId + "'");
        int version = in.readVersion(VERSION);
        int flags = in.readUnsignedByte();
        if ((flags & ~(version == 1 ? KNOWN_FLAGS_V1 : KNOWN_FLAGS)) != 0) {
            throw in.fail("has unknown flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & ALWAYS_ACTIVE_VALUE) != 0 && (flags & ALWAYS_ACTIVE_PRESENT) == 0) {
            throw in.fail("has an alwaysActive value without its presence bit");
        }
        Long idleAfter = (flags & IDLE_AFTER) != 0 ? in.readVarLong() : null;
        Long sleepAfter = (flags & SLEEP_AFTER) != 0 ? in.readVarLong() : null;
        Long keepAlive = (flags & KEEP_ALIVE) != 0 ? in.readVarLong() : null;
        Boolean alwaysActive = (flags & ALWAYS_ACTIVE_PRESENT) != 0 ? (flags & ALWAYS_ACTIVE_VALUE) != 0 : null;
        if ((flags & PERSISTENT_VALUE) != 0 && (flags & PERSISTENT_PRESENT) == 0) {
            throw in.fail("has a persistentRequired value without its presence bit");
        }
        Boolean persistent = (flags & PERSISTENT_PRESENT) != 0 ? (flags & PERSISTENT_VALUE) != 0 : null;
        in.requireEnd();
        return new DeviceSettings(idleAfter, sleepAfter, keepAlive, alwaysActive, persistent);
    }
}
