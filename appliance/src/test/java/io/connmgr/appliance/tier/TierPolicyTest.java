package io.connmgr.appliance.tier;

import io.connmgr.appliance.session.EffectiveSettings;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.tier.TierPolicy.Decision;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The tier timers under a fake clock: time is a number the test moves. */
class TierPolicyTest {
    static final EffectiveSettings DEFAULTS = new EffectiveSettings(30_000, 300_000, 60_000, false);
    final TierPolicy policy = new TierPolicy(true, 3);
    long now = TimeUnit.HOURS.toNanos(1);
    long lastActivity = now;
    long lastSeen = now;

    Decision decide(Tier tier, EffectiveSettings s) {
        return policy.decide(tier, s, 60, false, now, lastActivity, lastSeen);
    }

    void advanceSeconds(long s, boolean keepAlive) {
        now += TimeUnit.SECONDS.toNanos(s);
        if (keepAlive) {
            lastSeen = now;
        }
    }

    @Test
    void active_staysActiveUntilIdleAfter_thenGoesIdle() {
        advanceSeconds(29, true);
        assertThat(decide(Tier.ACTIVE, DEFAULTS)).isEqualTo(Decision.NONE);
        advanceSeconds(1, true);
        assertThat(decide(Tier.ACTIVE, DEFAULTS)).isEqualTo(Decision.TO_IDLE);
    }

    @Test
    void idle_goesToSleepAfterSleepAfter_countedFromLastApplicationData() {
        advanceSeconds(60, true);
        assertThat(decide(Tier.IDLE, DEFAULTS)).isEqualTo(Decision.NONE);
        for (int i = 0; i < 4; i++) {
            advanceSeconds(60, true); // keep-alives keep it alive but do not reset the timer
        }
        assertThat(decide(Tier.IDLE, DEFAULTS)).isEqualTo(Decision.TO_SLEEP);
    }

    @Test
    void active_goesStraightToSleep_whenSleepAfterHasPassed() {
        advanceSeconds(60, true);
        EffectiveSettings sleepFirst = new EffectiveSettings(120_000, 60_000, 60_000, false);
        assertThat(decide(Tier.ACTIVE, sleepFirst)).isEqualTo(Decision.TO_SLEEP);
    }

    @Test
    void silence_closesInEveryAwakeTier_afterNKeepAliveIntervals() {
        advanceSeconds(180, false);
        assertThat(decide(Tier.ACTIVE, DEFAULTS)).isEqualTo(Decision.TO_IDLE);
        advanceSeconds(1, false);
        assertThat(decide(Tier.ACTIVE, DEFAULTS)).isEqualTo(Decision.CLOSE_SILENT);
        assertThat(decide(Tier.IDLE, DEFAULTS)).isEqualTo(Decision.CLOSE_SILENT);
    }

    @Test
    void alwaysActive_isNeverDemotedByTimers_butSilenceStillCloses() {
        EffectiveSettings always = new EffectiveSettings(30_000, 300_000, 60_000, true);
        advanceSeconds(170, true);
        assertThat(decide(Tier.ACTIVE, always)).isEqualTo(Decision.NONE);
        advanceSeconds(181, false);
        assertThat(decide(Tier.ACTIVE, always)).isEqualTo(Decision.CLOSE_SILENT);
    }

    @Test
    void zeroDisablesATimer() {
        EffectiveSettings never = new EffectiveSettings(0, 0, 60_000, false);
        advanceSeconds(100_000, true);
        assertThat(decide(Tier.ACTIVE, never)).isEqualTo(Decision.NONE);
    }

    @Test
    void withoutSleepTier_connectionsStopAtIdle() {
        TierPolicy noSleep = new TierPolicy(false, 3);
        advanceSeconds(400, true);
        assertThat(noSleep.decide(Tier.ACTIVE, DEFAULTS, 60, false, now, lastActivity, lastSeen))
                .isEqualTo(Decision.TO_IDLE);
        assertThat(noSleep.decide(Tier.IDLE, DEFAULTS, 60, false, now, lastActivity, lastSeen))
                .isEqualTo(Decision.NONE);
    }

    @Test
    void aServerLink_holdsTheTimers() {
        advanceSeconds(400, true);
        assertThat(policy.decide(Tier.ACTIVE, DEFAULTS, 60, true, now, lastActivity, lastSeen))
                .isEqualTo(Decision.NONE);
    }
}
