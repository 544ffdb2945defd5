package io.connmgr.agent.control;

import io.connmgr.protocol.message.Msg;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxTest {
    private final Outbox outbox = new Outbox(3);

    @Test
    void add_numbersFromOne_andRefusesBeyondCapacity() {
        assertThat(outbox.add(b("a"), new CompletableFuture<>()).seq()).isEqualTo(1);
        assertThat(outbox.add(b("b"), new CompletableFuture<>()).seq()).isEqualTo(2);
        assertThat(outbox.add(b("c"), new CompletableFuture<>()).seq()).isEqualTo(3);

        assertThat(outbox.add(b("d"), new CompletableFuture<>())).isNull();
    }

    @Test
    void acknowledge_isCumulative() {
        var one = new CompletableFuture<Long>();
        var two = new CompletableFuture<Long>();
        var three = new CompletableFuture<Long>();
        outbox.add(b("a"), one);
        outbox.add(b("b"), two);
        outbox.add(b("c"), three);

        assertThat(outbox.acknowledge(2)).isEqualTo(2);

        assertThat(one).isCompletedWithValue(1L);
        assertThat(two).isCompletedWithValue(2L);
        assertThat(three).isNotDone();
        assertThat(outbox.acknowledge(2)).isZero();
    }

    @Test
    void resume_dropsWhatTheApplianceHas_andReturnsTheRest() {
        var one = new CompletableFuture<Long>();
        outbox.add(b("a"), one);
        outbox.add(b("b"), new CompletableFuture<>());

        assertThat(outbox.resume(1)).containsExactly(new Msg(2, b("b")));
        assertThat(one).isCompletedWithValue(1L);
    }

    @Test
    void restartSession_renumbersFromOne_andTheNextMessageFollows() {
        outbox.add(b("a"), new CompletableFuture<>());
        outbox.add(b("b"), new CompletableFuture<>());
        outbox.acknowledge(1);

        assertThat(outbox.restartSession()).containsExactly(new Msg(1, b("b")));
        assertThat(outbox.add(b("c"), new CompletableFuture<>()).seq()).isEqualTo(2);
    }

    @Test
    void failAll_failsEveryWaitingMessage() {
        var one = new CompletableFuture<Long>();
        outbox.add(b("a"), one);

        outbox.failAll(new IllegalStateException("closed"));

        assertThat(one).isCompletedExceptionally();
        assertThat(outbox.size()).isZero();
    }

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
