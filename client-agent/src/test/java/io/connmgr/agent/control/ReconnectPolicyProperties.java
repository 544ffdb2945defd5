package io.connmgr.agent.control;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ReconnectPolicyProperties {

    @Property
    void delayNeverExceedsTheCapNorGoesNegative(@ForAll @LongRange(min = 1, max = 100_000) long initialMs,
                                                 @ForAll @LongRange(min = 0, max = 10_000_000) long extraCapMs,
                                                 @ForAll @IntRange(min = 0, max = 1_000) int attempt,
                                                 @ForAll long seed) {
        var policy = new ReconnectPolicy(Duration.ofMillis(initialMs), Duration.ofMillis(initialMs + extraCapMs),
                Duration.ZERO);

        Duration delay = policy.delay(attempt, new SplittableRandom(seed));

        assertThat(delay).isBetween(Duration.ZERO, policy.ceiling(attempt));
        assertThat(policy.ceiling(attempt)).isLessThanOrEqualTo(policy.cap());
    }

    @Property
    void ceilingNeverShrinksAsAttemptsGrow(@ForAll @LongRange(min = 1, max = 100_000) long initialMs,
                                           @ForAll @IntRange(min = 0, max = 999) int attempt) {
        var policy = new ReconnectPolicy(Duration.ofMillis(initialMs), Duration.ofHours(1), Duration.ZERO);

        assertThat(policy.ceiling(attempt + 1)).isGreaterThanOrEqualTo(policy.ceiling(attempt));
    }
}
