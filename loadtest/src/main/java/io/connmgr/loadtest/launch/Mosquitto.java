package io.connmgr.loadtest.launch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private mosquitto broker for one run, started by the harness itself (never the system service): its own config in
 * its own directory, a listener on a free loopback port, anonymous clients allowed, no persistence, no connection
 * limit, logging to a file. The same instance can be {@link #restart restarted} on the same port.
 */
public final class Mosquitto implements AutoCloseable {
    /** Exit code of a command that needs mosquitto when it is not installed. */
    public static final int EXIT_NOT_INSTALLED = 3;
    public static final String INSTALL_HINT = "install it with: sudo apt-get install -y mosquitto";
    /** Where the Debian package and the usual source builds put the broker; /usr/sbin is often not on PATH. */
    private static final List<String> USUAL_PLACES = List.of("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto",
            "/usr/bin/mosquitto", "/usr/local/bin/mosquitto", "/opt/homebrew/sbin/mosquitto");
    private static final Pattern VERSION = Pattern.compile("mosquitto version (\\S+)");
    private static final int START_ATTEMPTS = 3;

    /** mosquitto is not installed (or not where it was said to be). */
    public static final class NotInstalledException extends IOException {
        NotInstalledException(String message) {
            super(message);
        }
    }

    private final Path binary;
    private final String version;
    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    private volatile Process process;

    private Mosquitto(Path binary, String version, Path dir, int port) {
        this.binary = binary;
        this.version = version;
        this.dir = dir;
        this.config = dir.resolve("mosquitto.conf");
        this.log = dir.resolve("mosquitto.log");
        this.port = port;
    }

    /**
     * The mosquitto binary: {@code $MOSQUITTO} if set, else the first {@code mosquitto} on PATH, else the usual
     * install places.
     */
    public static Optional<Path> find() {
        return find(System::getenv, USUAL_PLACES);
    }

    /** {@link #find()} with the environment and the usual places given, so that a test can leave them empty. */
    static Optional<Path> find(java.util.function.UnaryOperator<String> env, List<String> usualPlaces) {
        String explicit = env.apply("MOSQUITTO");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit.trim());
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = env.apply("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, "mosquitto"))) {
                    return Optional.of(Path.of(d, "mosquitto"));
                }
            }
        }
        return usualPlaces.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** {@link #find()}, or a {@link NotInstalledException} that says how to install it. */
    public static Path require() throws NotInstalledException {
        return find().orElseThrow(() -> new NotInstalledException(notInstalledMessage()));
    }

    /** What to tell a user who asked for mosquitto when {@link #find()} finds none. */
    public static String notInstalledMessage() {
        String explicit = System.getenv("MOSQUITTO");
        if (explicit != null && !explicit.isBlank()) {
            return "mosquitto not found: $MOSQUITTO is " + explicit.trim() + ", which is not an executable file; "
                    + "point it at the broker, or unset it to use an installed one (" + INSTALL_HINT + ")";
        }
        return "mosquitto is not installed (looked at $MOSQUITTO, PATH and " + String.join(", ", USUAL_PLACES)
                + "); " + INSTALL_HINT;
    }

    /** The version {@code mosquitto -h} prints ("2.0.11"), or "unknown". */
    public static String version(Path binary) throws IOException {
        Process p = new ProcessBuilder(binary.toString(), "-h").redirectErrorStream(true).start();
        try {
            // -h prints its usage and exits (with status 3); the first line names the version.
            byte[] out = p.getInputStream().readNBytes(64 * 1024);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher m = VERSION.matcher(new String(out, StandardCharsets.UTF_8));
            return m.find() ? m.group(1) : "unknown";
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading the mosquitto version", e);
        }
    }

    /**
     * Writes a config into {@code dir} and starts the broker on a free loopback port; returns once it accepts TCP
     * connections. A port taken between choosing and binding it is retried on another.
     */
    public static Mosquitto start(Path binary, Path dir, Duration readyTimeout) throws IOException {
        Files.createDirectories(dir);
        String version = version(binary);
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Mosquitto m = new Mosquitto(binary, version, dir, ModuleProcess.freePort());
            try {
                m.writeConfig();
                m.launch(readyTimeout);
                return m;
            } catch (IOException e) {
                m.close();
                last = e;
            }
        }
        throw last;
    }

    /** Starts the mosquitto found by {@link #require()}. */
    public static Mosquitto start(Path dir, Duration readyTimeout) throws IOException {
        return start(require(), dir, readyTimeout);
    }

    /** The config this harness runs mosquitto with: a private listener, nothing kept, nothing refused. */
    String configText() {
        return String.join("\n",
                "# Written by cm loadtest for one run; not the system broker's config.",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_connections -1",
                // Started as root, mosquitto would switch to the 'mosquitto' user, who cannot write this directory.
                "user " + System.getProperty("user.name"),
                "log_dest file " + log,
                "log_type error",
                "log_type warning",
                "log_type notice",
                // One line per connect would be work the appliance is not asked to do.
                "connection_messages false",
                "");
    }

    private void writeConfig() throws IOException {
        Files.writeString(config, configText(), StandardCharsets.UTF_8);
    }

    private void launch(Duration readyTimeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-c", config.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile())).start();
        awaitAccepting(readyTimeout);
    }

    private void awaitAccepting(Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        IOException lastError = null;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("mosquitto exited with status " + process.exitValue() + " on port " + port
                        + ": " + tail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                lastError = e;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for mosquitto", e);
            }
        }
        throw new IOException("mosquitto not accepting on 127.0.0.1:" + port + " within " + timeout + ": " + tail(),
                lastError);
    }

    /**
     * Stops the broker (SIGTERM, or SIGKILL when {@code kill}) and starts it again with the same config and port;
     * returns once it accepts again. Clients lose their connections, as in an appliance restart.
     */
    public void restart(boolean kill, Duration readyTimeout) throws IOException {
        stop(kill);
        launch(readyTimeout);
    }

    private void stop(boolean kill) {
        if (process == null) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String tail() {
        StringBuilder b = new StringBuilder();
        for (Path p : List.of(log, dir.resolve("mosquitto.out"))) {
            try {
                if (Files.exists(p)) {
                    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                    b.append(String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
                }
            } catch (IOException ignored) {
                // nothing more to say
            }
        }
        return b.isEmpty() ? "(no output)" : b.toString();
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public String version() {
        return version;
    }

    public Path binary() {
        return binary;
    }

    public Path log() {
        return log;
    }

    public Path config() {
        return config;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then SIGKILL if it has not ended within 10 s. */
    @Override
    public void close() {
        stop(false);
    }
}
