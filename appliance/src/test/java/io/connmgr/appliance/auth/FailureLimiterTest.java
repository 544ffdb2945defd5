package io.connmgr.appliance.auth;

import io.connmgr.appliance.it.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token bucket per source address, on a clock the test moves. */
class FailureLimiterTest {
    final FakeTime clock = new FakeTime();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InetSocketAddress a = new InetSocketAddress("192.0.2.1", 40000);
    final InetSocketAddress aOtherPort = new InetSocketAddress("192.0.2.1", 40001);
    final InetSocketAddress b = new InetSocketAddress("192.0.2.2", 40000);

    FailureLimiter limiter(int burst, Duration window) {
        return new FailureLimiter("device", burst, window, 1000, clock, registry);
    }

    @Test
    void allow_whenFailuresStayWithinTheBurst_thenEveryAttemptIsAllowed() {
        FailureLimiter l = limiter(3, Duration.ofMinutes(1));
        for (int i = 0; i < 2; i++) {
            assertThat(l.allow(a)).isTrue();
            l.failed(a);
        }
        assertThat(l.allow(a)).isTrue();
        assertThat(l.retryAfterSeconds(a)).isZero();
    }

    @Test
    void allow_whenTheBurstIsSpent_thenRefusedAndCounted_forAnyPortOfThatAddress_butNotOthers() {
        FailureLimiter l = limiter(3, Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            l.failed(a);
        }
        assertThat(l.allow(a)).isFalse();
        assertThat(l.allow(aOtherPort)).isFalse();
        assertThat(l.allow(b)).isTrue();
        assertThat(registry.get("cm.auth.rate_limited").tag("listener", "device").counter().count()).isEqualTo(2);
        assertThat(registry.get("cm.auth.failed_attempts").tag("listener", "device").counter().count()).isEqualTo(3);
    }

    @Test
    void allow_afterOneRefillInterval_thenExactlyOneMoreAttempt() {
        FailureLimiter l = limiter(3, Duration.ofSeconds(60)); // one token per 20 s
        for (int i = 0; i < 3; i++) {
            l.failed(a);
        }
        assertThat(l.retryAfterSeconds(a)).isEqualTo(20);
        clock.advance(Duration.ofSeconds(19));
        assertThat(l.allow(a)).isFalse();
        assertThat(l.retryAfterSeconds(a)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(l.allow(a)).isTrue();
        l.failed(a);
        assertThat(l.allow(a)).isFalse();
    }

    @Test
    void allow_afterTheWholeWindow_thenTheFullBurstIsBack_andNotMore() {
        FailureLimiter l = limiter(3, Duration.ofSeconds(60));
        for (int i = 0; i < 3; i++) {
            l.failed(a);
        }
        clock.advance(Duration.ofHours(5));
        for (int i = 0; i < 3; i++) {
            assertThat(l.allow(a)).isTrue();
            l.failed(a);
        }
        assertThat(l.allow(a)).isFalse();
    }

    @Test
    void unlimited_neverRefuses() {
        FailureLimiter l = FailureLimiter.unlimited("admin", registry);
        for (int i = 0; i < 1000; i++) {
            l.failed(a);
        }
        assertThat(l.allow(a)).isTrue();
        assertThat(l.retryAfterSeconds(a)).isZero();
    }

    @Test
    void manyAddresses_areBoundedByTheTableSize() {
        FailureLimiter l = new FailureLimiter("proxy", 1, Duration.ofMinutes(1), 100, clock, registry);
        for (int i = 0; i < 10_000; i++) {
            l.failed(new InetSocketAddress("10.0." + (i >> 8) + "." + (i & 0xFF), 1));
        }
        // No assertion on which survived eviction; the point is that 10,000 addresses fit in a 100-entry table.
        assertThat(l.allow(new InetSocketAddress("203.0.113.9", 1))).isTrue();
    }

    @Test
    void constructor_withoutAWindow_isRefused() {
        assertThatThrownBy(() -> limiter(3, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
