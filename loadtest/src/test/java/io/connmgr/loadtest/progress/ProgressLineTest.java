package io.connmgr.loadtest.progress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ProgressLineTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void etaIsWhatIsLeftAtTheRate() {
        assertThat(Eta.secondsLeft(1_000, 15_000, 500)).isEqualTo(28.0);
        assertThat(Eta.secondsLeft(15_000, 15_000, 0)).isZero();
        assertThat(Eta.secondsLeft(16_000, 15_000, 10)).isZero();
        assertThat(Eta.secondsLeft(0, 15_000, 0)).isNaN();
        assertThat(Eta.secondsLeft(10, 15_000, Double.NaN)).isNaN();
        assertThat(Eta.secondsLeft(10, 15_000, -3)).isNaN();
    }

    @Test
    void theRateFollowsTheLastSecondsOnly() {
        RateWindow w = new RateWindow(5);
        assertThat(w.ratePerSecond()).isNaN();
        w.add(0, 0);
        assertThat(w.ratePerSecond()).isNaN();
        for (int t = 1; t <= 10; t++) {
            w.add(t, 1000L * t); // 1000/s for ten seconds
        }
        assertThat(w.ratePerSecond()).isCloseTo(1000, within(1e-9));
        for (int t = 11; t <= 20; t++) {
            w.add(t, 10_000 + 100L * (t - 10)); // then it slows to 100/s
        }
        assertThat(w.ratePerSecond()).isCloseTo(100, within(1e-9));
        assertThatThrownBy(() -> w.add(3, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLineShowsCountRateErrorsElapsedAndEta() {
        Snapshot s = new Snapshot("hold SLEEP", "connect", "connected", 6_000, 15_000, 3, 75, 1_000, 9);
        assertThat(s.render()).isEqualTo(
                "hold SLEEP connect  6,000/15,000 connected (40%)  1,000/s  errors 3  elapsed 1:15  ETA 0:09");
        assertThat(new Snapshot("hold", "start", "", 0, 0, 0, 3725, Double.NaN, Double.NaN).render())
                .isEqualTo("hold start  errors 0  elapsed 1:02:05");
        assertThat(new Snapshot("x", "connect", "connected", 0, 10, 0, 1, Double.NaN, Double.NaN).render())
                .endsWith("-/s  errors 0  elapsed 0:01  ETA ?");
    }

    @Test
    void onATerminalTheLineIsRewrittenInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        AtomicLong connected = new AtomicLong();
        ProgressLine p = new ProgressLine("hold", new PrintStream(buf, true, StandardCharsets.UTF_8),
                ProgressLine.Mode.TERMINAL, clock::get, false);
        p.phase("connect", "connected", 1_000, connected::get, () -> 0);
        for (int t = 1; t <= 4; t++) {
            clock.set(t * SECOND);
            connected.set(100L * t);
            p.tick();
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\n").startsWith("\r");
        assertThat(text.substring(text.lastIndexOf('\r') + 1))
                .startsWith("hold connect  400/1,000 connected (40%)  100/s").endsWith("ETA 0:06");

        p.log("N=400 reached");
        String afterLog = buf.toString(StandardCharsets.UTF_8);
        assertThat(afterLog).contains("\nN=400 reached\n".substring(1)); // on a line of its own
        assertThat(afterLog.substring(afterLog.indexOf("N=400 reached") + "N=400 reached\n".length()))
                .startsWith("\rhold connect"); // then the progress line again
        p.close();
        assertThat(buf.toString(StandardCharsets.UTF_8)).endsWith("\n");
    }

    @Test
    void elsewhereEachUpdateIsALineOfItsOwn() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressLine p = new ProgressLine("hold", new PrintStream(buf, true, StandardCharsets.UTF_8),
                ProgressLine.Mode.LINES, clock::get, false);
        p.phase("hold", "s", 30, () -> clock.get() / SECOND, () -> 0);
        clock.set(5 * SECOND);
        p.tick();
        clock.set(10 * SECOND);
        p.tick();
        p.close();
        assertThat(buf.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
        assertThat(buf.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly("hold hold  0/30 s (0%)  -/s  errors 0  elapsed 0:00  ETA ?",
                        "hold hold  5/30 s (17%)  1/s  errors 0  elapsed 0:05  ETA 0:25",
                        "hold hold  10/30 s (33%)  1/s  errors 0  elapsed 0:10  ETA 0:20",
                        "hold hold  10/30 s (33%)  1/s  errors 0  elapsed 0:10  ETA 0:20");
    }

    @Test
    void offPrintsNothingAndTheEnvironmentOverridesTheChoice() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressLine p = new ProgressLine("hold", new PrintStream(buf, true, StandardCharsets.UTF_8),
                ProgressLine.Mode.OFF, System::nanoTime, false);
        p.phase("connect", "connected", 10, () -> 5, () -> 0);
        p.tick();
        p.close();
        assertThat(buf.size()).isZero();
        assertThat(ProgressLine.resolve(ProgressLine.Mode.AUTO, null, true)).isEqualTo(ProgressLine.Mode.TERMINAL);
        assertThat(ProgressLine.resolve(ProgressLine.Mode.AUTO, null, false)).isEqualTo(ProgressLine.Mode.LINES);
        assertThat(ProgressLine.resolve(ProgressLine.Mode.TERMINAL, "off", true)).isEqualTo(ProgressLine.Mode.OFF);
        assertThat(ProgressLine.resolve(ProgressLine.Mode.AUTO, "lines", true)).isEqualTo(ProgressLine.Mode.LINES);
    }
}
