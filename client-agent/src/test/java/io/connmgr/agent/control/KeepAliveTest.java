package io.connmgr.agent.control;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeepAliveTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private final KeepAlive keepAlive = new KeepAlive(ticker, Duration.ofSeconds(60));

    @Test
    void tick_withinThreeSilentIntervals_sendsAPing() {
        ticker.advance(60, TimeUnit.SECONDS);
        assertThat(keepAlive.onTick()).isEqualTo(KeepAlive.Action.PING);
        ticker.advance(60, TimeUnit.SECONDS);
        assertThat(keepAlive.onTick()).isEqualTo(KeepAlive.Action.PING);
        ticker.advance(59_999, TimeUnit.MILLISECONDS);
        assertThat(keepAlive.onTick()).isEqualTo(KeepAlive.Action.PING);
    }

    @Test
    void tick_afterThreeSilentIntervals_declaresTheConnectionDead() {
        ticker.advance(180, TimeUnit.SECONDS);

        assertThat(keepAlive.onTick()).isEqualTo(KeepAlive.Action.DEAD);
        assertThat(keepAlive.silence()).isEqualTo(Duration.ofSeconds(180));
    }

    @Test
    void anyFrame_restartsTheSilence() {
        ticker.advance(170, TimeUnit.SECONDS);
        keepAlive.frameReceived();
        ticker.advance(170, TimeUnit.SECONDS);

        assertThat(keepAlive.onTick()).isEqualTo(KeepAlive.Action.PING);
        assertThat(keepAlive.silence()).isEqualTo(Duration.ofSeconds(170));
    }

    @Test
    void interval_mustBePositive() {
        assertThatThrownBy(() -> new KeepAlive(ticker, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
