package io.connmgr.loadtest.launch;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program of this repository (appliance or agent) run as its own JVM, as {@code bin/cm} runs it. */
public final class ModuleProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ModuleProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ModuleProcess start(Path repoRoot, String module, String mainClass, List<String> args, Path log)
            throws IOException {
        return start(repoRoot, module, mainClass, List.of(), args, log);
    }

    /** @param jvmOptions JVM options before CM_JAVA_OPTS (which, as in bin/cm, come last and win) */
    public static ModuleProcess start(Path repoRoot, String module, String mainClass, List<String> jvmOptions,
                                      List<String> args, Path log) throws IOException {
        Path dir = repoRoot.resolve(module);
        if (!Files.isDirectory(dir.resolve("target/classes")) || !Files.isDirectory(dir.resolve("target/lib"))) {
            throw new IOException(module + " is not built under " + dir + ": run bin/cm build");
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED",
                "-cp", dir.resolve("target/classes") + ":" + dir.resolve("target/lib") + "/*"));
        cmd.addAll(jvmOptions);
        // The same extra JVM options bin/cm passes (log configuration, heap settings).
        String extra = System.getenv("CM_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ModuleProcess(p, log);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
