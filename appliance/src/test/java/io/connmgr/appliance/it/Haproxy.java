package io.connmgr.appliance.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A real HAProxy (the Debian package's binary) in TCP mode in front of the appliance, started with a generated
 * configuration and stopped by the test. Each route listens on {@link #FRONT_HOST} and forwards to one appliance
 * port from {@link #SOURCE}, so the appliance sees the balancer at an address of its own.
 */
final class Haproxy implements AutoCloseable {
    /** Where the routes listen: clients connect here. */
    static final String FRONT_HOST = "127.0.77.1";
    /** The address HAProxy connects to the appliance from: the one to trust. */
    static final String SOURCE = "127.0.0.3";

    /**
     * @param backendPort   the appliance port
     * @param serverOptions what HAProxy's {@code server} line adds: send-proxy, send-proxy-v2, checks...
     */
    record Route(String name, int backendPort, String serverOptions) {
    }

    private final Process process;
    private final Path log;
    private final Map<String, InetSocketAddress> fronts;

    private Haproxy(Process process, Path log, Map<String, InetSocketAddress> fronts) {
        this.process = process;
        this.log = log;
        this.fronts = fronts;
    }

    static String binary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("haproxy is not installed; deploy/scripts/install-test-deps.sh installs it");
    }

    static Haproxy start(Path dir, Route... routes) throws IOException {
        Map<String, InetSocketAddress> fronts = new LinkedHashMap<>();
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 256
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                    unique-id-format %ci:%cp
                """);
        for (Route r : routes) {
            InetSocketAddress front = new InetSocketAddress(FRONT_HOST, freePort());
            fronts.put(r.name(), front);
            cfg.append("""
                    frontend front-%1$s
                        bind %2$s:%3$d
                        default_backend appliance-%1$s
                    backend appliance-%1$s
                        server appliance 127.0.0.1:%4$d source %5$s %6$s
                    """.formatted(r.name(), FRONT_HOST, front.getPort(), r.backendPort(), SOURCE, r.serverOptions()));
        }
        Path config = Files.writeString(dir.resolve("haproxy.cfg"), cfg);
        Path log = dir.resolve("haproxy.log");
        Process p = new ProcessBuilder(binary(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Haproxy haproxy = new Haproxy(p, log, fronts);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("haproxy exited " + p.exitValue() + ": " + haproxy.log());
                }
                return fronts.values().stream().allMatch(Haproxy::listening);
            });
        } catch (RuntimeException | AssertionError e) {
            haproxy.close();
            throw e;
        }
        return haproxy;
    }

    InetSocketAddress front(String route) {
        return fronts.get(route);
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Whether the kernel lists a socket listening on {@code address}. Read from /proc rather than tried with a
     * connection: a test connection would go through to the appliance and show up in the counters under test.
     */
    private static boolean listening(InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        String local = "%02X%02X%02X%02X:%04X".formatted(ip[3], ip[2], ip[1], ip[0], address.getPort());
        try {
            return Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1)
                    .map(line -> line.trim().split("\\s+"))
                    .anyMatch(f -> f.length > 3 && f[1].equals(local) && f[3].equals("0A"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(FRONT_HOST))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
