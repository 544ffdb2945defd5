package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The control channel's encoder in a pipeline: the same bytes as the codec, without copying stream data. */
class BackendFrameEncoderTest {

    @Test
    void streamData_leavesAsAHeadAndTheDataBufferItself() {
        EmbeddedChannel channel = new EmbeddedChannel(BackendFrameEncoder.INSTANCE);
        byte[] text = "relayed bytes".getBytes(StandardCharsets.US_ASCII);
        ByteBuf data = Unpooled.directBuffer(64).writeBytes(text);
        byte[] expected = BackendCodec.toBytes(new BackendFrame.StreamData(7, true, Unpooled.wrappedBuffer(text)));

        channel.writeOutbound(new BackendFrame.StreamData(7, true, data.retain()));

        List<ByteBuf> out = drain(channel);
        try {
            assertThat(out).hasSize(2);
            assertThat(out.get(0).readableBytes()).isEqualTo(BackendCodec.STREAM_DATA_HEAD_BYTES);
            assertThat(out.get(1)).isSameAs(data);
            assertThat(concat(out)).isEqualTo(expected);
        } finally {
            out.forEach(ByteBuf::release);
        }
        assertThat(data.release()).as("the encoder gave back the frame's reference").isTrue();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void emptyFin_isItsHeadAlone_onTheWire() {
        EmbeddedChannel channel = new EmbeddedChannel(BackendFrameEncoder.INSTANCE);

        channel.writeOutbound(new BackendFrame.StreamData(0x8000_0001, true, Unpooled.EMPTY_BUFFER));

        List<ByteBuf> out = drain(channel);
        try {
            assertThat(concat(out)).isEqualTo(BackendCodec.toBytes(
                    new BackendFrame.StreamData(0x8000_0001, true, Unpooled.EMPTY_BUFFER)));
        } finally {
            out.forEach(ByteBuf::release);
        }
    }

    @Test
    void otherFrames_areEncodedWhole() {
        EmbeddedChannel channel = new EmbeddedChannel(BackendFrameEncoder.INSTANCE);
        BackendFrame reset = new BackendFrame.StreamReset(3, StreamStatus.CANCELLED);

        channel.writeOutbound(reset);

        List<ByteBuf> out = drain(channel);
        try {
            assertThat(out).hasSize(1);
            assertThat(concat(out)).isEqualTo(BackendCodec.toBytes(reset));
        } finally {
            out.forEach(ByteBuf::release);
        }
    }

    private static List<ByteBuf> drain(EmbeddedChannel channel) {
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            out.add(b);
        }
        return out;
    }

    private static byte[] concat(List<ByteBuf> bufs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bufs.forEach(b -> bytes.writeBytes(ByteBufUtil.getBytes(b)));
        return bytes.toByteArray();
    }
}
