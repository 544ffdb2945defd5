package io.connmgr.loadtest.progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The live progress of a run on stderr: connected/target (or whatever the phase counts), rate per second, errors,
 * elapsed time and the time left of the phase. On a terminal it is one line rewritten in place (carriage return)
 * twice a second; otherwise (a log file, CI) a full line every few seconds, so logs stay readable.
 *
 * <pre>{@code
 * try (ProgressLine progress = ProgressLine.start("hold SLEEP", ProgressLine.Mode.AUTO)) {
 *     progress.phase("connect", "connected", n, fleet::connected, fleet::failed);
 *     ...
 *     progress.log("reached N=" + n);       // a line of its own, without tearing the progress line
 *     progress.phase("hold", "s", holdSeconds, () -> elapsedSeconds(), fleet::failed);
 * }
 * }</pre>
 *
 * {@code CM_PROGRESS=tty|lines|off} in the environment overrides the automatic choice.
 */
public final class ProgressLine implements AutoCloseable {
    public enum Mode { AUTO, TERMINAL, LINES, OFF }

    private static final long TERMINAL_PERIOD_MS = 500;
    private static final long LINES_PERIOD_MS = 5_000;

    private final String label;
    private final PrintStream err;
    private final Mode mode;
    private final LongSupplier nanoClock;
    private final long start;
    private final RateWindow rate = new RateWindow(5);
    private final ScheduledExecutorService timer;
    private String phase = "start";
    private String unit = "";
    private long target;
    private LongSupplier done = () -> 0;
    private LongSupplier errors = () -> 0;
    private int lastWidth;
    private boolean closed;

    ProgressLine(String label, PrintStream err, Mode mode, LongSupplier nanoClock, boolean schedule) {
        this.label = label;
        this.err = err;
        this.mode = mode;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        if (schedule && mode != Mode.OFF) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            long period = mode == Mode.TERMINAL ? TERMINAL_PERIOD_MS : LINES_PERIOD_MS;
            timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** A progress line on this process's stderr, ticking by itself until closed. */
    public static ProgressLine start(String label, Mode mode) {
        return new ProgressLine(label, System.err, resolve(mode, System.getenv("CM_PROGRESS"), stderrIsTerminal()),
                System::nanoTime, true);
    }

    /** AUTO becomes TERMINAL or LINES; the environment's CM_PROGRESS wins over both. */
    static Mode resolve(Mode asked, String env, boolean terminal) {
        if (env != null) {
            switch (env.trim().toLowerCase(Locale.ROOT)) {
                case "tty", "terminal" -> { return Mode.TERMINAL; }
                case "lines", "line" -> { return Mode.LINES; }
                case "off", "none", "0" -> { return Mode.OFF; }
                default -> { }
            }
        }
        if (asked != Mode.AUTO) {
            return asked;
        }
        return terminal ? Mode.TERMINAL : Mode.LINES;
    }

    /** Whether file descriptor 2 is a terminal (Linux: /proc/self/fd/2 links to a tty or pty). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Switches to a new phase: what it counts ({@code unit}), its goal, and where the counts come from (called from the
     * progress thread, so they must be thread-safe and cheap). The rate starts over.
     */
    public synchronized void phase(String name, String unit, long target, LongSupplier done, LongSupplier errors) {
        boolean changed = !name.equals(this.phase);
        this.phase = name;
        this.unit = unit;
        this.target = target;
        this.done = done;
        this.errors = errors;
        rate.clear();
        if (changed && mode == Mode.LINES) {
            print(snapshot().render());
        }
    }

    /** A message on a line of its own; on a terminal the progress line is cleared first and drawn again after. */
    public synchronized void log(String message) {
        if (mode == Mode.TERMINAL) {
            clear();
            err.println(message);
            draw(snapshot().render());
        } else {
            err.println(message);
        }
        err.flush();
    }

    /** The current state, as it would be shown (also feeds the rate window). */
    public synchronized Snapshot snapshot() {
        double elapsed = (nanoClock.getAsLong() - start) / 1e9;
        long d = done.getAsLong();
        rate.add(elapsed, d);
        double r = rate.ratePerSecond();
        return new Snapshot(label, phase, unit, d, target, errors.getAsLong(), elapsed, r, Eta.secondsLeft(d, target, r));
    }

    synchronized void tick() {
        if (closed || mode == Mode.OFF) {
            return;
        }
        String line = snapshot().render();
        if (mode == Mode.TERMINAL) {
            draw(line);
        } else {
            print(line);
        }
    }

    private void draw(String line) {
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        lastWidth = line.length();
        err.flush();
    }

    private void clear() {
        if (lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
    }

    private void print(String line) {
        err.println(line);
        err.flush();
    }

    /** Stops ticking and leaves the last state on screen, ended by a newline. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (mode != Mode.OFF) {
            String line = snapshot().render();
            if (mode == Mode.TERMINAL) {
                draw(line);
                err.println();
            } else {
                print(line);
            }
        }
        closed = true;
    }
}
