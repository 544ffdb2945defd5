package io.connmgr.loadtest.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs jcmd of the JDK that runs this JVM against another JVM. */
public final class Jcmd {
    private Jcmd() {
    }

    public static String run(long pid, String command) throws IOException, InterruptedException {
        return exec(pid, command, command);
    }

    private static String exec(long pid, String what, String... args) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        // Drain stdout while waiting: a class histogram is larger than the pipe buffer and jcmd would block on it.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + what + " did not finish within 60 s");
        }
        String out = output.join();
        if (p.exitValue() != 0) {
            throw new IOException("jcmd " + what + " failed: " + out);
        }
        return out;
    }

    /** Live heap: used heap after full collections (several, so objects freed by finalisation-like cleanups go too). */
    public static long liveHeapBytes(long pid, int collections) throws IOException, InterruptedException {
        for (int i = 0; i < collections; i++) {
            run(pid, "GC.run");
        }
        return HeapInfo.usedBytes(run(pid, "GC.heap_info"));
    }

    /**
     * Several commands in one attach ({@code jcmd PID -f FILE}): each jcmd run starts a JVM and attaches, which takes
     * a second or more on a busy machine. The output is every command's, in order.
     */
    public static String runAll(long pid, List<String> commands) throws IOException, InterruptedException {
        Path file = Files.createTempFile("jcmd-", ".txt");
        try {
            Files.write(file, commands);
            return exec(pid, String.join(", ", commands), "-f", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** {@link #liveHeapBytes} in one attach. */
    public static long liveHeapBytesInOneAttach(long pid, int collections) throws IOException, InterruptedException {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < collections; i++) {
            commands.add("GC.run");
        }
        commands.add("GC.heap_info");
        return HeapInfo.usedBytes(runAll(pid, commands));
    }
}
