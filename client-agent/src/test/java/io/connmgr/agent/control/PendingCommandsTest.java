package io.connmgr.agent.control;

import io.connmgr.protocol.wire.CmdStatus;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class PendingCommandsTest {
    private final PendingCommands commands = new PendingCommands();

    @Test
    void complete_matchesTheResultToItsId() {
        var first = new CompletableFuture<CmdStatus>();
        var second = new CompletableFuture<CmdStatus>();
        int a = commands.register(first);
        int b = commands.register(second);

        assertThat(commands.complete(b, CmdStatus.FAILED)).isTrue();
        assertThat(commands.complete(b, CmdStatus.OK)).isFalse();

        assertThat(second).isCompletedWithValue(CmdStatus.FAILED);
        assertThat(first).isNotDone();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void ids_wrapAroundTheU16Space_skippingThoseStillInUse() {
        int held = commands.register(new CompletableFuture<>());
        for (int i = 1; i < 65536; i++) {
            int id = commands.register(new CompletableFuture<>());
            commands.complete(id, CmdStatus.OK);
        }

        int next = commands.register(new CompletableFuture<>());

        assertThat(next).isNotEqualTo(held).isBetween(0, 0xFFFF);
    }

    @Test
    void register_whenAllIdsAreInUse_refuses() {
        for (int i = 0; i < 65536; i++) {
            assertThat(commands.register(new CompletableFuture<>())).isNotNegative();
        }

        assertThat(commands.register(new CompletableFuture<>())).isEqualTo(-1);
    }
}
