package io.connmgr.appliance.store.serial;

import io.connmgr.appliance.store.BackendRecord;
import io.connmgr.appliance.store.MessageStore.IdempotencyRecord;
import io.connmgr.appliance.store.MessageStore.MessageStatus;
import io.connmgr.appliance.store.MessageStore.QueueMeta;
import io.connmgr.appliance.store.MessageStore.QueuedMessage;
import io.connmgr.appliance.store.MessageStore.State;

/**
 * Binary forms of the messaging and back-end records. Each starts with a format version byte (1); numbers are zig-zag
 * varints, strings and byte arrays varint-length-prefixed. The key carries the device id (and position or message id),
 * so values do not repeat it.
 *
 * <pre>
 * queued message: version, messageId, createdAt, expiresAt, sessionTag, seq, payload length, payload
 * queue meta:     version, nextPosition, depth, sessionTag, lastSeq
 * status:         version, state (0 queued, 1 delivered, 2 expired), createdAt, updatedAt, expiresAt, size
 * idempotency:    version, messageId, expiresAt
 * back-end:       version, token hash length, token hash, createdAt
 * </pre>
 */
public final class MessageRecordSerializer {
    public static final int VERSION = 1;

    public byte[] queued(QueuedMessage m) {
        return new RecordWriter(32 + m.payload().length).writeByte(VERSION).writeString(m.messageId())
                .writeVarLong(m.createdAtMillis()).writeVarLong(m.expiresAtMillis()).writeVarLong(m.sessionTag())
                .writeVarLong(m.seq()).writeVarLong(m.payload().length).writeBytes(m.payload()).toByteArray();
    }

    public QueuedMessage queued(String deviceId, long position, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "queued message " + position + " of device '" + deviceId + "'");
        in.readVersion(VERSION);
        String id = in.readString();
        long created = in.readVarLong();
        long expires = in.readVarLong();
        long tag = in.readVarLong();
        long seq = in.readVarLong();
        long length = in.readVarLong();
        if (length < 0 || length > bytes.length) {
            throw in.fail("has a payload length of " + length);
        }
        byte[] payload = in.readBytes((int) length);
        in.requireEnd();
        return new QueuedMessage(deviceId, position, id, created, expires, tag, seq, payload);
    }

    public byte[] meta(QueueMeta m) {
        return new RecordWriter(16).writeByte(VERSION).writeVarLong(m.nextPosition()).writeVarLong(m.depth())
                .writeVarLong(m.sessionTag()).writeVarLong(m.lastSeq()).toByteArray();
    }

    public QueueMeta meta(String deviceId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "queue meta of device '" + deviceId + "'");
        in.readVersion(VERSION);
        QueueMeta m = new QueueMeta(in.readVarLong(), in.readVarLong(), in.readVarLong(), in.readVarLong());
        in.requireEnd();
        return m;
    }

    public byte[] status(MessageStatus s) {
        return new RecordWriter(24).writeByte(VERSION).writeByte(s.state().ordinal())
                .writeVarLong(s.createdAtMillis()).writeVarLong(s.updatedAtMillis()).writeVarLong(s.expiresAtMillis())
                .writeVarLong(s.size()).toByteArray();
    }

    public MessageStatus status(String deviceId, String messageId, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "status of message '" + messageId + "'");
        in.readVersion(VERSION);
        int state = in.readUnsignedByte();
        if (state >= State.values().length) {
            throw in.fail("has unknown state " + state);
        }
        MessageStatus s = new MessageStatus(deviceId, messageId, State.values()[state], in.readVarLong(),
                in.readVarLong(), in.readVarLong(), (int) in.readVarLong());
        in.requireEnd();
        return s;
    }

    public byte[] idempotency(IdempotencyRecord r) {
        return new RecordWriter(32).writeByte(VERSION).writeString(r.messageId()).writeVarLong(r.expiresAtMillis())
                .toByteArray();
    }

    public IdempotencyRecord idempotency(byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "idempotency key");
        in.readVersion(VERSION);
        IdempotencyRecord r = new IdempotencyRecord(in.readString(), in.readVarLong());
        in.requireEnd();
        return r;
    }

    public byte[] backend(BackendRecord b) {
        return new RecordWriter(48).writeByte(VERSION).writeVarLong(b.tokenHash().length).writeBytes(b.tokenHash())
                .writeVarLong(b.createdAtMillis()).toByteArray();
    }

    public BackendRecord backend(String name, byte[] bytes) {
        RecordReader in = new RecordReader(bytes, "back-end '" + name + "'");
        in.readVersion(VERSION);
        long length = in.readVarLong();
        if (length != 32) {
            throw in.fail("has a token hash of " + length + " bytes");
        }
        BackendRecord b = new BackendRecord(name, in.readBytes(32), in.readVarLong());
        in.requireEnd();
        return b;
    }
}
