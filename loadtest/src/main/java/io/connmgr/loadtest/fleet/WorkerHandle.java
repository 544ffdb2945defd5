package io.connmgr.loadtest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The coordinator's end of one fleet worker process: sends a command line, waits (bounded) for its JSON reply. */
public final class WorkerHandle implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int index;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    /** Progress lines are not replies: the newest is kept for {@link #progress()}. */
    private static final String PROGRESS = "{\"op\":\"progress\"";
    private volatile JsonNode progress = JSON.createObjectNode();

    private WorkerHandle(int index, Process process) {
        this.index = index;
        this.process = process;
        this.stdin = process.outputWriter(StandardCharsets.UTF_8);
        Thread reader = Thread.ofPlatform().daemon().name("worker-" + index + "-stdout").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    // Anything but a JSON object is stray output (a JVM or logging warning), not a reply.
                    if (line.startsWith(PROGRESS)) {
                        try {
                            progress = JSON.readTree(line);
                        } catch (IOException e) {
                            // a torn progress line is skipped; the next one follows shortly
                        }
                    } else if (line.startsWith("{")) {
                        replies.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended; request() times out or sees it dead
            }
        });
        reader.setUncaughtExceptionHandler((t, e) -> { });
    }

    /** Starts worker {@code index} with this JVM's java and class path; its stderr goes to {@code log}. */
    public static WorkerHandle start(int index, int appliancePort, Path fleetKeyFile, String idPrefix, Path log,
                                     List<String> jvmOptions, Duration readyTimeout) throws IOException {
        return start(index, appliancePort, fleetKeyFile, idPrefix, log, jvmOptions, readyTimeout, List.of());
    }

    /**
     * As above, with further {@code fleet-worker} options (for example {@code --live mqtt}); {@code fleetKeyFile}
     * may be null for devices that need no token.
     */
    public static WorkerHandle start(int index, int appliancePort, Path fleetKeyFile, String idPrefix, Path log,
                                     List<String> jvmOptions, Duration readyTimeout, List<String> workerOptions)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-XX:+UseCompactObjectHeaders");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Dlogback.configurationFile=" + io.connmgr.loadtest.LoadTestMain.LOGBACK_CONFIG);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.connmgr.loadtest.LoadTestMain");
        cmd.addAll(List.of("fleet-worker", "--worker", Integer.toString(index), "--port",
                Integer.toString(appliancePort)));
        if (fleetKeyFile != null) {
            cmd.addAll(List.of("--fleet-key-file", fleetKeyFile.toString()));
        }
        cmd.addAll(List.of("--id-prefix", idPrefix));
        cmd.addAll(workerOptions);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        WorkerHandle h = new WorkerHandle(index, p);
        h.awaitReply(readyTimeout);
        return h;
    }

    public void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    public JsonNode awaitReply(Duration timeout) throws IOException {
        try {
            String line = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IOException("worker " + index + " gave no reply within " + timeout
                        + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"));
            }
            JsonNode reply = JSON.readTree(line);
            if (reply.has("error")) {
                throw new IOException("worker " + index + ": " + reply.get("error").asText());
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for worker " + index, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /**
     * The worker's newest live counts ({@code connected}, {@code connect_failed}, {@code dropped},
     * {@code keepalives_sent}, {@code pongs}, {@code goaways}); an empty object before the first.
     */
    public JsonNode progress() {
        return progress;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            send("quit");
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // fall through to the forcible end
        }
        process.destroyForcibly();
    }
}
