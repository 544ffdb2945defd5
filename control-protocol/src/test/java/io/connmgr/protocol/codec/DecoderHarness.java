package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/**
 * A frame decoder in an {@link EmbeddedChannel} (the device link's with its {@link FrameEncoder}, or the control
 * channel's on its own), with the bookkeeping decoder tests need: every inbound buffer handed to the decoder is
 * remembered so {@link #close()} can prove it was released, what it emitted is released on close (STREAM_DATA holds
 * slices of the input), and {@link #buffered()} tells how many bytes the decoder is holding.
 */
public final class DecoderHarness implements AutoCloseable {
    private static final MethodHandle ACTUAL_READABLE_BYTES = actualReadableBytes();

    private final TypeFirstFrameDecoder<?> decoder;
    private final EmbeddedChannel channel;
    private final List<ByteBuf> fed = new ArrayList<>();
    private final List<Object> received = new ArrayList<>();

    /** The device link: a {@link FrameDecoder} behind a {@link FrameEncoder}. */
    public DecoderHarness(int maxFrameSize) {
        decoder = new FrameDecoder(maxFrameSize);
        channel = new EmbeddedChannel(FrameEncoder.INSTANCE, decoder);
    }

    /** Any frame decoder on its own, such as the control channel's; {@link #encode} is then not available. */
    public DecoderHarness(TypeFirstFrameDecoder<?> decoder) {
        this.decoder = decoder;
        channel = new EmbeddedChannel(decoder);
    }

    /** Delivers each chunk as a separate read; returns what the decoder emitted for these chunks. */
    public List<Object> feed(byte[]... chunks) {
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

    /** Encodes through the pipeline's {@link FrameEncoder}; returns the bytes it wrote. */
    public byte[] encode(Frame frame) {
        // The encoder releases what it writes, as a channel does; the caller keeps its own reference.
        ReferenceCountUtil.retain(frame);
        channel.writeOutbound(frame);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            try {
                bytes.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(out));
            } finally {
                out.release();
            }
        }
        return bytes.toByteArray();
    }

    /** Everything emitted since this harness was created. */
    public List<Object> received() {
        return received;
    }

    /** Bytes the decoder holds back waiting for the rest of a frame. */
    public int buffered() {
        try {
            return (int) ACTUAL_READABLE_BYTES.invoke((ByteToMessageDecoder) decoder);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    public int maxFrameSize() {
        return decoder.maxFrameSize();
    }

    /**
     * Closes the channel and reports whether it left anything behind: a message nobody read, or an inbound buffer
     * still referenced (a leak). Returns a description of the problem, or {@code null} when clean.
     */
    public String closeAndCheck() {
        boolean leftovers = channel.finishAndReleaseAll();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            received.add(msg);
        }
        // The harness owns what it received: frames holding slices of the input (STREAM_DATA) are released here.
        for (Object msg : received) {
            if (msg instanceof io.netty.util.ReferenceCounted rc && rc.refCnt() > 0) {
                rc.release();
            }
        }
        long unreleased = fed.stream().filter(b -> b.refCnt() != 0).count();
        if (leftovers) {
            return "unread messages left in the channel";
        }
        if (unreleased > 0) {
            return unreleased + " inbound buffers not released by the decoder";
        }
        return null;
    }

    @Override
    public void close() {
        String problem = closeAndCheck();
        if (problem != null) {
            throw new AssertionError(problem);
        }
    }

    // ByteToMessageDecoder exposes the size of its cumulation only to subclasses; the decoders are final, so the tests
    // reach the protected accessor reflectively (test code only; the class is on the class path, not in a module).
    private static MethodHandle actualReadableBytes() {
        try {
            var method = ByteToMessageDecoder.class.getDeclaredMethod("actualReadableBytes");
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method)
                    .asType(MethodType.methodType(int.class, ByteToMessageDecoder.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
