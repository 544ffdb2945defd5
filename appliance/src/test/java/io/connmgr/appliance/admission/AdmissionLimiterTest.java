package io.connmgr.appliance.admission;

import io.connmgr.appliance.session.TimeSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionLimiterTest {
    /** A clock that moves only when told. */
    private static final class FakeClock implements TimeSource {
        long nanos = 1_000_000_000L;

        void advanceMillis(long millis) {
            nanos += TimeUnit.MILLISECONDS.toNanos(millis);
        }

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long currentTimeMillis() {
            return nanos / 1_000_000L;
        }
    }

    private final FakeClock clock = new FakeClock();

    private AdmissionLimiter limiter(int rate, int burst, long deferMaxMillis) {
        return new AdmissionLimiter(rate, burst, deferMaxMillis, clock, new SplittableRandom(42));
    }

    @Test
    void tryAdmit_admitsTheBurstAtOnce_thenOnlyAsTheRateRefills() {
        AdmissionLimiter l = limiter(100, 20, 60_000);
        int admitted = 0;
        for (int i = 0; i < 50; i++) {
            admitted += l.tryAdmit() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(20);
        clock.advanceMillis(100); // 10 tokens at 100/s
        admitted = 0;
        for (int i = 0; i < 50; i++) {
            admitted += l.tryAdmit() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(10);
    }

    @Test
    void tryAdmit_neverHoldsMoreThanTheBurst_afterALongQuiet() {
        AdmissionLimiter l = limiter(100, 20, 60_000);
        clock.advanceMillis(3_600_000);
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            admitted += l.tryAdmit() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(20);
    }

    @Test
    void tryAdmit_overTenSeconds_admitsBurstPlusRateTimesTime() {
        AdmissionLimiter l = limiter(100, 10, 60_000);
        int admitted = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            for (int i = 0; i < 5; i++) { // 5,000 attempts a second against a rate of 100
                admitted += l.tryAdmit() ? 1 : 0;
            }
            clock.advanceMillis(1);
        }
        assertThat(admitted).isBetween(10 + 999, 10 + 1000);
    }

    @Test
    void deferMillis_whenNoBacklog_isTheMinimum() {
        AdmissionLimiter l = limiter(100, 1, 60_000);
        assertThat(l.deferMillis()).isBetween(AdmissionLimiter.MIN_DEFER_MILLIS, AdmissionLimiter.MIN_DEFER_MILLIS + 10);
    }

    @Test
    void deferMillis_ofAFleetArrivingAtOnce_spreadsItAtTheRate_inArrivalOrder() {
        int rate = 200;
        int fleet = 4000; // 20 s of the rate
        AdmissionLimiter l = limiter(rate, 1, 60_000);
        long[] after = new long[fleet];
        for (int i = 0; i < fleet; i++) {
            after[i] = l.deferMillis();
        }
        long windowMillis = fleet * 1000L / rate;
        assertThat(l.windowSeconds()).isEqualTo(windowMillis / 1000.0, org.assertj.core.data.Offset.offset(0.01));
        int[] perSecond = new int[(int) (windowMillis / 1000) + 2];
        for (int i = 0; i < fleet; i++) {
            long slot = (i + 1) * 1000L / rate;
            assertThat(after[i]).as("device %d", i)
                    .isBetween(AdmissionLimiter.MIN_DEFER_MILLIS + Math.max(0, slot - AdmissionLimiter.SLOT_SPREAD_MILLIS),
                            AdmissionLimiter.MIN_DEFER_MILLIS + slot);
            perSecond[(int) ((after[i] - AdmissionLimiter.MIN_DEFER_MILLIS) / 1000)]++;
        }
        // Told to come back at about the rate every second: no second wave. The first second also takes the early
        // half of the next second's jitter (nothing is sent back sooner than the minimum), so about 1.5 × rate.
        assertThat(perSecond[0]).isLessThanOrEqualTo(rate * 2);
        for (int s = 1; s < perSecond.length; s++) {
            assertThat(perSecond[s]).as("returning in second %d", s).isLessThanOrEqualTo(rate * 5 / 4);
        }
    }

    @Test
    void window_shrinksAsTheRateWorksItOff() {
        AdmissionLimiter l = limiter(100, 1, 60_000);
        for (int i = 0; i < 1000; i++) {
            l.deferMillis();
        }
        assertThat(l.windowSeconds()).isEqualTo(10.0, org.assertj.core.data.Offset.offset(0.01));
        clock.advanceMillis(4000);
        assertThat(l.windowSeconds()).isEqualTo(6.0, org.assertj.core.data.Offset.offset(0.01));
        clock.advanceMillis(10_000);
        assertThat(l.windowSeconds()).isZero();
        assertThat(l.deferMillis()).isLessThanOrEqualTo(AdmissionLimiter.MIN_DEFER_MILLIS + 10);
    }

    @Test
    void deferMillis_neverExceedsDeferMax_howeverLongTheBacklog() {
        AdmissionLimiter l = limiter(10, 1, 5_000);
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            max = Math.max(max, l.deferMillis());
        }
        assertThat(max).isLessThanOrEqualTo(5_000).isGreaterThan(4_000);
        assertThat(l.windowSeconds()).isLessThanOrEqualTo(4.0);
    }
}
