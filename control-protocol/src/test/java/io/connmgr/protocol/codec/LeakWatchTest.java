package io.connmgr.protocol.codec;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leak check the fuzz suites rely on can fail: a buffer dropped unreleased is reported. */
class LeakWatchTest {

    @Test
    void assertNoLeaks_whenABufferWasDroppedUnreleased_thenFails() {
        LeakWatch.install();
        LeakWatch.assertNoLeaks(); // whatever earlier tests in this JVM left is not this test's business

        leakOne();

        assertThatThrownBy(LeakWatch::assertNoLeaks).isInstanceOf(AssertionError.class).hasMessageContaining("leak");
        assertThat(LeakWatch.pendingReports()).isZero();
    }

    @Test
    void assertNoLeaks_whenEveryBufferWasReleased_thenPasses() {
        LeakWatch.install();
        LeakWatch.assertNoLeaks();

        ByteBufAllocator.DEFAULT.buffer(64).writeLong(1).release();

        LeakWatch.assertNoLeaks();
    }

    private static void leakOne() {
        ByteBufAllocator.DEFAULT.buffer(64).writeLong(42);
    }
}
