package io.connmgr.protocol.message;

import io.connmgr.protocol.wire.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * Bytes of one stream. The data is a reference-counted buffer so relayed bytes are never copied: whoever takes the
 * frame releases it (writing it to a channel does).
 */
public record StreamData(int streamId, ByteBuf data) implements Frame, ReferenceCounted {

    @Override
    public FrameType type() {
        return FrameType.STREAM_DATA;
    }

    @Override
    public int refCnt() {
        return data.refCnt();
    }

    @Override
    public StreamData retain() {
        data.retain();
        return this;
    }

    @Override
    public StreamData retain(int increment) {
        data.retain(increment);
        return this;
    }

    @Override
    public StreamData touch() {
        data.touch();
        return this;
    }

    @Override
    public StreamData touch(Object hint) {
        data.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return data.release();
    }

    @Override
    public boolean release(int decrement) {
        return data.release(decrement);
    }

    @Override
    public String toString() {
        return "StreamData[id=" + Integer.toUnsignedString(streamId) + ", " + data.readableBytes() + " bytes]";
    }
}
