package io.connmgr.agent.rpc;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers a back-end's RPC_REQUEST on the device (capability RPC). Called off the event loop, on the client's worker
 * executor (virtual threads unless the application supplies one), so it may block. The client replies:
 * <ul>
 *   <li>{@code OK} with the bytes the stage completes with;</li>
 *   <li>{@code NO_HANDLER} when the stage fails with {@link UnknownMethodException} (see {@link #unknownMethod});</li>
 *   <li>{@code ERROR} with the exception's message (UTF-8) when it throws or the stage fails otherwise;</li>
 *   <li>{@code TIMEOUT} when the request's {@code timeout_ms} passes first; a later answer is dropped.</li>
 * </ul>
 */
@FunctionalInterface
public interface RpcHandler {

    CompletionStage<byte[]> handle(String method, byte[] body) throws Exception;

    /** The stage to return for a method this handler does not serve. */
    static CompletionStage<byte[]> unknownMethod(String method) {
        return CompletableFuture.failedFuture(new UnknownMethodException(method));
    }

    /** The device has no handler for the method: answered {@code NO_HANDLER}. */
    final class UnknownMethodException extends RuntimeException {
        public UnknownMethodException(String method) {
            super("no handler for method '" + method + "'", null, false, false);
        }
    }
}
