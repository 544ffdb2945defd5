package io.connmgr.agent.control;

import io.connmgr.protocol.wire.CmdStatus;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * CMDs waiting for their CMD_RESULT, by the u16 id that correlates them. Confined to the client's event loop.
 */
final class PendingCommands {
    private static final int ID_SPACE = 1 << 16;

    private final Map<Integer, CompletableFuture<CmdStatus>> byId = new HashMap<>();
    private int nextId;

    /** Assigns a free id to {@code result}; -1 when all 65536 ids are in use. */
    int register(CompletableFuture<CmdStatus> result) {
        if (byId.size() >= ID_SPACE) {
            return -1;
        }
        while (byId.containsKey(nextId)) {
            nextId = (nextId + 1) & (ID_SPACE - 1);
        }
        int id = nextId;
        nextId = (nextId + 1) & (ID_SPACE - 1);
        byId.put(id, result);
        return id;
    }

    /** Completes the command with that id; false when no such command is waiting (late or unsolicited result). */
    boolean complete(int id, CmdStatus status) {
        CompletableFuture<CmdStatus> result = byId.remove(id);
        if (result == null) {
            return false;
        }
        result.complete(status);
        return true;
    }

    void failAll(Throwable cause) {
        // Copy first: a caller's callback may run inline and register a new command.
        var waiting = byId.values().toArray(CompletableFuture[]::new);
        byId.clear();
        for (CompletableFuture<?> result : waiting) {
            result.completeExceptionally(cause);
        }
    }

    int size() {
        return byId.size();
    }
}
