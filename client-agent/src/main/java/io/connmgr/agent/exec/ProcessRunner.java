package io.connmgr.agent.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a configured command directly (no shell, so nothing in a request can inject one), with extra environment
 * variables, bytes on stdin, a bounded run time and bounded output. Blocking: call it off the event loop.
 */
final class ProcessRunner {

    /** How a run ended; {@code stdout} and {@code stderr} are cut at their limits. */
    record Result(int exitCode, byte[] stdout, byte[] stderr) {
        String stderrLine() {
            String text = new String(stderr, java.nio.charset.StandardCharsets.UTF_8).strip();
            int newline = text.indexOf('\n');
            return newline < 0 ? text : text.substring(0, newline);
        }
    }

    private ProcessRunner() {
    }

    static Result run(List<String> command, Map<String, String> env, byte[] stdin, Duration timeout, int maxStdout)
            throws IOException, InterruptedException, TimeoutException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            Capture out = new Capture(p.getInputStream(), maxStdout);
            Capture err = new Capture(p.getErrorStream(), MAX_STDERR);
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the command does not read its input: fine
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException(command.getFirst() + " did not finish within " + timeout.toMillis() + " ms");
            }
            // A program it started in the background may hold the pipes open: take what was written by then.
            return new Result(p.exitValue(), out.awaitBytes(), err.awaitBytes());
        } finally {
            p.destroyForcibly();
        }
    }

    private static final int MAX_STDERR = 4096;
    /** How long to wait for the rest of the output once the process has exited. */
    private static final long OUTPUT_GRACE_MILLIS = 500;

    /** Reads a pipe to its end on a virtual thread (so the process never blocks on it), keeping at most max bytes. */
    private static final class Capture {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Capture(InputStream in, int max) {
            Thread.ofVirtual().name("cm-exec-output").start(() -> {
                byte[] buf = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (kept) {
                            int room = max - kept.size();
                            if (room > 0) {
                                kept.write(buf, 0, Math.min(room, n));
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process went away; keep what was read
                } finally {
                    done.complete(null);
                }
            });
        }

        byte[] awaitBytes() throws InterruptedException {
            try {
                done.get(OUTPUT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                // still open: use what arrived
            }
            synchronized (kept) {
                return kept.toByteArray();
            }
        }
    }
}
