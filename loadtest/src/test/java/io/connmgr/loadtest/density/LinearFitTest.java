package io.connmgr.loadtest.density;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinearFitTest {

    @Test
    void exactLineIsRecoveredWithPerfectFit() {
        LinearFit f = LinearFit.of(List.of(new LinearFit.Point(1000, 1_000_000 + 44_000),
                new LinearFit.Point(5000, 1_000_000 + 220_000), new LinearFit.Point(15000, 1_000_000 + 660_000)));
        assertThat(f.slope()).isCloseTo(44.0, within(1e-9));
        assertThat(f.intercept()).isCloseTo(1_000_000, within(1e-6));
        assertThat(f.r2()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void noisyPointsGiveTheLeastSquaresSlope() {
        // y = 2x + 1 with residuals +1, -1, -1, +1: symmetric noise leaves slope and intercept unchanged
        LinearFit f = LinearFit.of(List.of(new LinearFit.Point(0, 2), new LinearFit.Point(1, 2),
                new LinearFit.Point(2, 4), new LinearFit.Point(3, 8)));
        assertThat(f.slope()).isCloseTo(2.0, within(1e-12));
        assertThat(f.intercept()).isCloseTo(1.0, within(1e-12));
        assertThat(f.r2()).isLessThan(1.0).isGreaterThan(0.8);
    }

    @Test
    void flatSeriesHasZeroSlopeAndFullFit() {
        LinearFit f = LinearFit.of(List.of(new LinearFit.Point(1, 5), new LinearFit.Point(2, 5)));
        assertThat(f.slope()).isZero();
        assertThat(f.r2()).isEqualTo(1.0);
    }

    @Test
    void refusesTooFewOrDegeneratePoints() {
        assertThatThrownBy(() -> LinearFit.of(List.of(new LinearFit.Point(1, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinearFit.of(List.of(new LinearFit.Point(1, 1), new LinearFit.Point(1, 2))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
