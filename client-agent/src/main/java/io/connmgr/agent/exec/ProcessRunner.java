package io.connmgr.agent.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream(),
                    maxStdout), ProcessRunner::virtual);
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readBounded(p.getErrorStream(),
                    4096), ProcessRunner::virtual);
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the command does not read its input: fine
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException(command.getFirst() + " did not finish within " + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), out.get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    err.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            throw new IOException("reading the output of " + command.getFirst() + " failed", e.getCause());
        } finally {
            p.destroyForcibly();
        }
    }

    private static void virtual(Runnable task) {
        Thread.ofVirtual().name("cm-exec-output").start(task);
    }

    /** Reads everything (so the process never blocks on a full pipe), keeping at most {@code max} bytes. */
    private static byte[] readBounded(InputStream in, int max) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int room = max - kept.size();
                if (room > 0) {
                    kept.write(buf, 0, Math.min(room, n));
                }
            }
        } catch (IOException e) {
            // the process went away; keep what was read
        }
        return kept.toByteArray();
    }
}
