package io.connmgr.agent.control;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private final ReconnectPolicy policy = new ReconnectPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofSeconds(30));
    private final Backoff backoff = new Backoff(policy, new SplittableRandom(1), ticker);

    @Test
    void failures_growTheWindowAttemptByAttempt() {
        for (int attempt = 0; attempt < 8; attempt++) {
            assertThat(backoff.attempt()).isEqualTo(attempt);
            assertThat(backoff.afterFailure()).isLessThanOrEqualTo(policy.ceiling(attempt));
        }
        assertThat(backoff.attempt()).isEqualTo(8);
    }

    @Test
    void aStableConnection_startsTheCountOver() {
        backoff.afterFailure();
        backoff.afterFailure();
        backoff.connected();
        ticker.advance(30, TimeUnit.SECONDS);

        backoff.afterFailure();

        assertThat(backoff.attempt()).isEqualTo(1); // this failure used attempt 0
    }

    @Test
    void aConnectionDroppedSoonAfterTheWelcome_doesNotResetTheCount() {
        backoff.afterFailure();
        backoff.afterFailure();
        backoff.connected();
        ticker.advance(29, TimeUnit.SECONDS);

        backoff.afterFailure();

        assertThat(backoff.attempt()).isEqualTo(3);
    }

    @Test
    void permanentRejection_waitsAtTheCap_whateverTheAttempt() {
        assertThat(backoff.afterPermanentRejection()).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    @Test
    void goAway_afterAStableConnection_isTheHintPlusTheFirstWindow() {
        backoff.connected();
        ticker.advance(1, TimeUnit.HOURS);

        assertThat(backoff.afterGoAway(Duration.ofSeconds(10))).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
    }
}
