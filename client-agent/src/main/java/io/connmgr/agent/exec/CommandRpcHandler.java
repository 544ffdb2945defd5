package io.connmgr.agent.exec;

import io.connmgr.agent.rpc.RpcHandler;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code --rpc-exec CMD}: answers every RPC by running CMD with the request body on stdin and the method in
 * {@code CM_RPC_METHOD}. Exit status 0 answers OK with stdout (bounded), {@value #EXIT_NO_HANDLER} answers NO_HANDLER,
 * anything else ERROR with the first line of stderr.
 */
public final class CommandRpcHandler implements RpcHandler {
    /** The exit status meaning "I do not know this method". */
    public static final int EXIT_NO_HANDLER = 3;

    private final List<String> command;
    private final Duration timeout;
    private final int maxReply;

    public CommandRpcHandler(List<String> command, Duration timeout, int maxReply) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
        this.maxReply = maxReply;
    }

    @Override
    public CompletionStage<byte[]> handle(String method, byte[] body) throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(command, Map.of("CM_RPC_METHOD", method), body, timeout,
                maxReply);
        return switch (result.exitCode()) {
            case 0 -> CompletableFuture.completedFuture(result.stdout());
            case EXIT_NO_HANDLER -> RpcHandler.unknownMethod(method);
            default -> throw new IOException(result.stderr().length > 0 ? result.stderrLine()
                    : command.getFirst() + " exited with status " + result.exitCode());
        };
    }
}
