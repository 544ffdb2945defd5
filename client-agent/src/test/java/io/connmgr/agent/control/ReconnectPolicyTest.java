package io.connmgr.agent.control;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReconnectPolicyTest {
    private static final Duration CAP = Duration.ofSeconds(60);
    private final ReconnectPolicy policy = new ReconnectPolicy(Duration.ofSeconds(1), CAP, Duration.ofSeconds(30));

    @Test
    void ceiling_doublesFromTheInitialWindow_untilTheCap() {
        assertThat(IntStream.rangeClosed(0, 7).mapToObj(policy::ceiling).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
    }

    @Test
    void ceiling_atHugeAttempts_staysAtTheCapWithoutOverflow() {
        assertThat(policy.ceiling(62)).isEqualTo(CAP);
        assertThat(policy.ceiling(63)).isEqualTo(CAP);
        assertThat(policy.ceiling(Integer.MAX_VALUE)).isEqualTo(CAP);
        var oneMs = new ReconnectPolicy(Duration.ofMillis(1), Duration.ofDays(36_500), Duration.ZERO);
        assertThat(oneMs.ceiling(40)).isEqualTo(Duration.ofMillis(1L << 40));
        assertThat(oneMs.ceiling(70)).isEqualTo(Duration.ofDays(36_500));
    }

    @Test
    void delay_isAlwaysWithinZeroAndTheCeilingOfItsAttempt() {
        var random = new SplittableRandom(7);
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int draw = 0; draw < 200; draw++) {
                assertThat(policy.delay(attempt, random)).isBetween(Duration.ZERO, policy.ceiling(attempt));
            }
        }
    }

    @Test
    void delay_atTheCap_isSpreadUniformlyOverTheWholeWindow() {
        // Full jitter: ten equal buckets over [0, cap] each get about a tenth of the draws, and the extremes are hit.
        var random = new SplittableRandom(12345);
        int draws = 100_000;
        int[] buckets = new int[10];
        long min = Long.MAX_VALUE;
        long max = 0;
        double sum = 0;
        for (int i = 0; i < draws; i++) {
            long ms = policy.delay(20, random).toMillis();
            buckets[(int) Math.min(9, ms * 10 / CAP.toMillis())]++;
            min = Math.min(min, ms);
            max = Math.max(max, ms);
            sum += ms;
        }
        assertThat(java.util.Arrays.stream(buckets).boxed()).allSatisfy(count -> assertThat(count).isBetween(9_400, 10_600));
        assertThat(min).isLessThan(100);
        assertThat(max).isGreaterThan(CAP.toMillis() - 100).isLessThanOrEqualTo(CAP.toMillis());
        assertThat(sum / draws).isCloseTo(CAP.toMillis() / 2.0, org.assertj.core.data.Offset.offset(500.0));
    }

    @Test
    void delay_withTheSameSeed_isReproducible() {
        var a = new SplittableRandom(99);
        var b = new SplittableRandom(99);
        for (int attempt = 0; attempt < 20; attempt++) {
            assertThat(policy.delay(attempt, a)).isEqualTo(policy.delay(attempt, b));
        }
    }

    @Test
    void permanentFailureDelay_staysInTheUpperHalfOfTheCap() {
        var random = new SplittableRandom(3);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long ms = policy.permanentFailureDelay(random).toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertThat(min).isGreaterThanOrEqualTo(30_000).isLessThan(30_100);
        assertThat(max).isLessThanOrEqualTo(60_000).isGreaterThan(59_900);
    }

    @Test
    void goAwayDelay_isTheHintPlusUpToTheLargerOfOneSecondAndAFifthOfIt_evenWhenTheHintExceedsTheCap() {
        var random = new SplittableRandom(5);
        long shortMax = 0;
        long longMax = 0;
        for (int i = 0; i < 1000; i++) {
            Duration shortHint = policy.goAwayDelay(Duration.ofSeconds(3), random);
            Duration longHint = policy.goAwayDelay(Duration.ofMinutes(5), random);
            assertThat(shortHint).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(4));
            assertThat(longHint).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(6));
            shortMax = Math.max(shortMax, shortHint.toMillis());
            longMax = Math.max(longMax, longHint.toMillis());
        }
        assertThat(shortMax).isGreaterThan(3_900);
        assertThat(longMax).isGreaterThan(355_000);
        assertThat(policy.goAwayDelay(Duration.ZERO, random)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
    }

    @Test
    void isStable_fromTheThresholdOn() {
        assertThat(policy.isStable(Duration.ofSeconds(29))).isFalse();
        assertThat(policy.isStable(Duration.ofSeconds(30))).isTrue();
    }

    @Test
    void constructor_refusesACapBelowTheInitialWindow() {
        assertThatThrownBy(() -> new ReconnectPolicy(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cap");
        assertThatThrownBy(() -> new ReconnectPolicy(Duration.ZERO, Duration.ofSeconds(5), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial");
    }
}
