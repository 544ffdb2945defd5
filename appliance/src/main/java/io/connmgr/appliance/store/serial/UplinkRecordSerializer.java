package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.UplinkStore.DeviceSeq;
import io.connmgr.appliance.store.UplinkStore.StoredUplink;
import io.connmgr.appliance.store.UplinkStore.Uplink;

/**
 * Binary forms of the uplink journal's records, in the conventions of {@link MessageRecordSerializer}. The journal
 * key is the position, so an entry carries its device id; a device's seq record is keyed by the device id.
 *
 * <pre>
 * journal entry: version, deviceId, seq, receivedAt, payload length, payload
 * device seq:    version, sessionTag, seq
 * cursor:        version, position
 * </pre>
 */
public final class UplinkRecordSerializer {
    public static final int VERSION = 1;

    public byte[] entry(Uplink u) {
        return new RecordWriter(24 + u.deviceId().length() + u.payload().length).writeByte(VERSION)
                .writeString(u.deviceId()).writeVarLong(u.seq()).writeVarLong(u.receivedAtMillis())
                .writeVarLong(u.payload().length).writeBytes(u.payload()).toByteArray();
    }

    public StoredUplink entry(long position, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "uplink journal entry " + position);
        in.readVersion(VERSION);
        String deviceId = in.readString();
        long seq = in.readVarLong();
        long receivedAt = in.readVarLong();
        long length = in.readVarLong();
        if (length < 0 || length > bytes.length) {
            throw in.fail("has a payload length of " + length);
        }
        byte[] payload = in.readBytes((int) length);
        in.requireEnd();
        return new StoredUplink(position, deviceId, seq, receivedAt, payload);
    }

    public byte[] deviceSeq(DeviceSeq s) {
        return new RecordWriter(12).writeByte(VERSION).writeVarLong(s.sessionTag()).writeVarLong(s.seq())
                .toByteArray();
    }

    public DeviceSeq deviceSeq(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "uplink seq of device '" + deviceId + "'");
        in.readVersion(VERSION);
        DeviceSeq s = new DeviceSeq(in.readVarLong(), in.readVarLong());
        in.requireEnd();
        return s;
    }

    public byte[] cursor(long position) {
        return new RecordWriter(10).writeByte(VERSION).writeVarLong(position).toByteArray();
    }

    public long cursor(String consumer, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "uplink cursor '" + consumer + "'");
        in.readVersion(VERSION);
        long position = in.readVarLong();
        in.requireEnd();
        return position;
    }
}
