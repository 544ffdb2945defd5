package io.connmgr.agent.control;

import io.connmgr.agent.rpc.RpcHandler;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.wire.RpcStatus;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Answers RPC_REQUESTs with the application's {@link RpcHandler}: the handler runs on the worker executor, the answer
 * is written on the event loop, on the link the request came on. A request whose {@code timeout_ms} passes first is
 * answered TIMEOUT and the handler's late result is dropped.
 */
final class RpcCalls {
    private static final Logger log = LoggerFactory.getLogger(RpcCalls.class);
    /** call_id and status ahead of the body. */
    private static final int RESPONSE_HEADER = 9;
    private static final byte[] EMPTY = new byte[0];

    private final RpcHandler handler;
    private final Executor worker;
    private final EventLoop loop;
    private final IntSupplier maxFrameSize;
    /** Told of every answer written: an answer is business, like the request. */
    private final Runnable onAnswer;
    /** Calls not answered yet; on the event loop. */
    private int inFlight;

    RpcCalls(RpcHandler handler, Executor worker, EventLoop loop, IntSupplier maxFrameSize, Runnable answered) {
        this.handler = handler;
        this.worker = worker;
        this.loop = loop;
        this.maxFrameSize = maxFrameSize;
        this.onAnswer = answered;
    }

    /** On the event loop. */
    void onRequest(Channel link, RpcRequest request) {
        Call call = new Call(link, request);
        inFlight++;
        if (request.timeoutMs() > 0) {
            call.timer = loop.schedule(() -> call.answer(RpcStatus.TIMEOUT, EMPTY),
                    request.timeoutMs(), TimeUnit.MILLISECONDS);
        }
        try {
            worker.execute(() -> call.run());
        } catch (RejectedExecutionException e) {
            call.answer(RpcStatus.ERROR, "device is shutting down".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Requests still being answered; on the event loop. */
    int inFlight() {
        return inFlight;
    }

    private final class Call {
        private final Channel link;
        private final RpcRequest request;
        private ScheduledFuture<?> timer;
        private boolean answered;

        Call(Channel link, RpcRequest request) {
            this.link = link;
            this.request = request;
        }

        /** On the worker. */
        void run() {
            CompletionStage<byte[]> stage;
            try {
                stage = handler.handle(request.method(), request.body());
                if (stage == null) {
                    stage = CompletableFuture.failedFuture(new IllegalStateException("handler returned null"));
                }
            } catch (Exception | Error e) {
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((body, failure) -> {
                try {
                    loop.execute(() -> complete(body, failure));
                } catch (RejectedExecutionException e) {
                    // the client closed meanwhile; nobody to answer
                }
            });
        }

        private void complete(byte[] body, Throwable failure) {
            Throwable cause = LinkHandler.unwrap(failure);
            if (cause == null) {
                byte[] reply = body == null ? EMPTY : body;
                if (reply.length > maxFrameSize.getAsInt() - RESPONSE_HEADER) {
                    answer(RpcStatus.ERROR, utf8("reply of " + reply.length + " bytes exceeds the frame limit"));
                } else {
                    answer(RpcStatus.OK, reply);
                }
            } else if (cause instanceof RpcHandler.UnknownMethodException) {
                answer(RpcStatus.NO_HANDLER, EMPTY);
            } else {
                String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
                log.info("rpc {} '{}' failed: {}", request.callId(), request.method(), message);
                byte[] text = utf8(message);
                int limit = Math.min(text.length, Math.max(0, maxFrameSize.getAsInt() - RESPONSE_HEADER));
                answer(RpcStatus.ERROR, java.util.Arrays.copyOf(text, limit));
            }
        }

        /** On the event loop; the first answer wins. */
        void answer(RpcStatus status, byte[] body) {
            if (answered) {
                if (status != RpcStatus.TIMEOUT) {
                    log.debug("rpc {} '{}': answer after the deadline dropped", request.callId(), request.method());
                }
                return;
            }
            answered = true;
            inFlight--;
            if (timer != null) {
                timer.cancel(false);
            }
            log.debug("rpc {} '{}': {} ({} bytes)", request.callId(), request.method(), status, body.length);
            if (link.isActive()) {
                link.writeAndFlush(new RpcResponse(request.callId(), status, body), link.voidPromise());
            }
            onAnswer.run();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
