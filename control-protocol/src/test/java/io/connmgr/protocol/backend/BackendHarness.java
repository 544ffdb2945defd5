package io.connmgr.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCounted;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link BackendFrameDecoder} in an {@link EmbeddedChannel}: remembers every inbound buffer so {@link #close()} can
 * prove the decoder released it, and releases what it received (STREAM_DATA holds slices of the input).
 */
final class BackendHarness implements AutoCloseable {
    private final EmbeddedChannel channel;
    private final List<ByteBuf> fed = new ArrayList<>();
    private final List<Object> received = new ArrayList<>();

    BackendHarness(int maxFrameSize, BackendFrameDecoder.Side side) {
        channel = new EmbeddedChannel(new BackendFrameDecoder(maxFrameSize, side));
    }

    List<Object> feed(byte[]... chunks) {
        List<Object> emitted = new ArrayList<>();
        for (byte[] chunk : chunks) {
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(chunk.length).writeBytes(chunk);
            fed.add(buf);
            channel.writeInbound(buf);
            for (Object msg; (msg = channel.readInbound()) != null; ) {
                emitted.add(msg);
            }
        }
        received.addAll(emitted);
        return emitted;
    }

    List<Object> received() {
        return received;
    }

    /** Closes and returns a description of what was left behind, or {@code null} when clean. */
    String closeAndCheck() {
        boolean leftovers = channel.finishAndReleaseAll();
        for (Object msg : received) {
            if (msg instanceof ReferenceCounted rc && rc.refCnt() > 0) {
                rc.release();
            }
        }
        long unreleased = fed.stream().filter(b -> b.refCnt() != 0).count();
        if (leftovers) {
            return "unread messages left in the channel";
        }
        return unreleased > 0 ? unreleased + " inbound buffers not released by the decoder" : null;
    }

    @Override
    public void close() {
        String problem = closeAndCheck();
        if (problem != null) {
            throw new AssertionError(problem);
        }
    }
}
