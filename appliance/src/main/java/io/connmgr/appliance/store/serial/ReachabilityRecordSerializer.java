package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.ReachabilityRecord;

import java.nio.charset.StandardCharsets;

/**
 * Binary form of a {@link ReachabilityRecord}; the device id is the store key.
 *
 * <pre>
 * version 1:
 *   u8      format version (1)
 *   u8      flags: bit 0 onDemand, bit 1 directAddress present; other bits zero
 *   varint  announcedAtMillis (zig-zag LEB128)
 *   u8 + n  directAddress (ASCII), if present
 * </pre>
 */
public final class ReachabilityRecordSerializer {

    public static final int VERSION = 1;

    private static final int ON_DEMAND = 1;
    private static final int DIRECT_ADDRESS = 1 << 1;

    public byte[] serialize(ReachabilityRecord record) {
        byte[] address = record.directAddress() == null ? null
                : record.directAddress().getBytes(StandardCharsets.US_ASCII);
        RecordWriter out = new RecordWriter(16 + (address == null ? 0 : address.length))
                .writeByte(VERSION)
                .writeByte((record.onDemand() ? ON_DEMAND : 0) | (address != null ? DIRECT_ADDRESS : 0))
                .writeVarLong(record.announcedAtMillis());
        if (address != null) {
            out.writeByte(address.length).writeBytes(address);
        }
        return out.toByteArray();
    }

    /**
     * @throws RecordFormatException when the bytes are not a reachability record this build can read
     */
    public ReachabilityRecord deserialize(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "reachability record of device '" + deviceId + "'");
        in.readVersion(VERSION);
        int flags = in.readUnsignedByte();
        if ((flags & ~(ON_DEMAND | DIRECT_ADDRESS)) != 0) {
            throw in.fail("has unknown flags 0x" + Integer.toHexString(flags));
        }
        long announcedAt = in.readVarLong();
        String address = null;
        if ((flags & DIRECT_ADDRESS) != 0) {
            address = new String(in.readBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
        }
        in.requireEnd();
        try {
            return new ReachabilityRecord(deviceId, (flags & ON_DEMAND) != 0, address, announcedAt);
        } catch (IllegalArgumentException e) {
            throw in.fail(e.getMessage());
        }
    }
}
