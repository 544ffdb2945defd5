package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.DeviceRecord;

/**
 * Binary form of a {@link DeviceRecord}; the device id is the store key.
 *
 * <pre>
 * version 1:
 *   u8      format version (1)
 *   varint  createdAtMillis (zig-zag LEB128)
 *   32      SHA-256 token hash
 * </pre>
 */
public final class DeviceRecordSerializer {

    public static final int VERSION = 1;

    public byte[] serialize(DeviceRecord device) {
        return new RecordWriter(1 + 10 + DeviceRecord.TOKEN_HASH_LENGTH)
                .writeByte(VERSION)
                .writeVarLong(device.createdAtMillis())
                .writeBytes(device.tokenHash())
                .toByteArray();
    }

    /**
     * @throws RecordFormatException when the bytes are not a device record this build can read
     */
    public DeviceRecord deserialize(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "device record of device '" + deviceId + "'");
        in.readVersion(VERSION);
        long createdAt = in.readVarLong();
        byte[] tokenHash = in.readBytes(DeviceRecord.TOKEN_HASH_LENGTH);
        in.requireEnd();
        return new DeviceRecord(deviceId, tokenHash, createdAt);
    }
}
