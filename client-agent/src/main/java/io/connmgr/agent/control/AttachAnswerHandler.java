package io.connmgr.agent.control;

import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.ProtocolViolation;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Consumer;

/**
 * Reads the appliance's one-frame answer to STREAM_ATTACH on a data connection: STREAM_OPEN_RESULT OK, after which
 * every byte is the stream's, or REJECT. On OK both this handler and the frame decoder in front of it leave the
 * pipeline; the decoder hands the bytes it already holds to the relay behind them.
 */
final class AttachAnswerHandler extends ChannelInboundHandlerAdapter {
    static final String DECODER = "attach-answer-decoder";
    static final String NAME = "attach-answer";
    /** The answer is 13 bytes; a REJECT carries a short text. Anything longer is not an answer. */
    private static final int MAX_ANSWER = 1024;

    private final Runnable accepted;
    private final Consumer<String> refused;
    private boolean answered;

    AttachAnswerHandler(Runnable accepted, Consumer<String> refused) {
        this.accepted = accepted;
        this.refused = refused;
    }

    static void install(ChannelPipeline pipeline, String before, AttachAnswerHandler handler) {
        pipeline.addBefore(before, DECODER, new FrameDecoder(MAX_ANSWER));
        pipeline.addBefore(before, NAME, handler);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (answered) {
                return;
            }
            answered = true;
            switch (msg) {
                case StreamOpenResult r when r.status() == StreamStatus.OK -> {
                    accepted.run();
                    ctx.pipeline().remove(this);
                    ctx.pipeline().remove(DECODER);
                }
                case Reject r -> refused.accept("appliance refused the data connection: "
                        + describe(ReasonCode.fromCode(r.reasonCode())) + " " + r.message());
                case ProtocolViolation v -> refused.accept("appliance answered the attach with a malformed frame: "
                        + v.detail());
                default -> refused.accept("appliance answered the attach with " + msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static String describe(ReasonCode reason) {
        return reason == null ? "unknown reason" : reason.name();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!answered) {
            answered = true;
            refused.accept("appliance closed the data connection before answering the attach");
        }
        ctx.fireChannelInactive();
    }
}
