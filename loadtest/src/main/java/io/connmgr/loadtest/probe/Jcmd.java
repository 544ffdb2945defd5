package io.connmgr.loadtest.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs jcmd of the JDK that runs this JVM against another JVM. */
public final class Jcmd {
    private Jcmd() {
    }

    public static String run(long pid, String command) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
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
            throw new IOException("jcmd " + command + " did not finish within 60 s");
        }
        String out = output.join();
        if (p.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + out);
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
}
