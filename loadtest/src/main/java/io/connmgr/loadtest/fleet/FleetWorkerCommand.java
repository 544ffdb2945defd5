package io.connmgr.loadtest.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * A child process holding a share of the simulated fleet (one process may not open enough sockets for all of it).
 * It takes one command per line on stdin and answers each with one JSON line on stdout; end of stdin ends it, so a
 * worker never outlives its coordinator.
 *
 * <p>Commands: {@code connect TARGET DEADLINE_S [RATE_PER_S]}, {@code keepalive INTERVAL_MS JITTER} (0 stops),
 * {@code status}, {@code ping COUNT WINDOW_MS GRACE_MS}, {@code wake COUNT GAP_MS TIMEOUT_MS}, {@code quit}. Besides the
 * one reply per command, the worker writes a {@code {"op":"progress",...}} line with its live counts twice a second
 * while they change, so the coordinator can show progress during a long command.
 */
@Command(name = "fleet-worker", hidden = true, description = "Holds part of a simulated fleet; driven over stdin.")
public final class FleetWorkerCommand implements Callable<Integer> {
    @Option(names = "--worker", required = true) int worker;
    @Option(names = "--host", defaultValue = "127.0.0.1") String host;
    @Option(names = "--port", required = true) int port;
    /** Required for connmgr devices (their tokens are minted from it); MQTT devices need none. */
    @Option(names = "--fleet-key-file") Path fleetKeyFile;
    @Option(names = "--id-prefix", defaultValue = "dev") String idPrefix;

    /**
     * Devices that keep themselves connected and reconnect by themselves ({@link LiveWorker}): {@code connmgr}
     * (as the agent does) or {@code mqtt} (MQTT 3.1.1, for a broker). Without it, the devices the ping and wake
     * commands drive.
     */
    @Option(names = "--live") String live;
    /** Live devices: keep-alive asked for; 0 lets the appliance choose (connmgr), or means 60 s (mqtt). */
    @Option(names = "--keep-alive", defaultValue = "0") int keepAliveSeconds;
    @Option(names = "--backoff-initial-ms", defaultValue = "1000") long backoffInitialMillis;
    @Option(names = "--backoff-cap-ms", defaultValue = "60000") long backoffCapMillis;
    @Option(names = "--handshake-timeout-ms", defaultValue = "10000") long handshakeTimeoutMillis;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        if (live != null) {
            return runLive(out);
        }
        if (fleetKeyFile == null) {
            throw new IllegalArgumentException("--fleet-key-file is required");
        }
        byte[] key = HexFormat.of().parseHex(Files.readString(fleetKeyFile, StandardCharsets.US_ASCII).trim());
        java.util.concurrent.ScheduledExecutorService ticker = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "progress");
                    t.setDaemon(true);
                    return t;
                });
        try (Fleet fleet = new Fleet(worker, idPrefix, new InetSocketAddress(host, port), key);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println(json.writeValueAsString(json.createObjectNode().put("op", "ready")));
            Fleet.Status[] lastSent = {null};
            ticker.scheduleAtFixedRate(() -> {
                Fleet.Status st = fleet.status();
                if (!st.equals(lastSent[0])) {
                    lastSent[0] = st;
                    out.println(status(json.createObjectNode().put("op", "progress"), st).toString());
                }
            }, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            String line;
            while ((line = in.readLine()) != null) {
                String[] a = line.trim().split("\\s+");
                ObjectNode reply = json.createObjectNode().put("op", a[0]);
                switch (a[0]) {
                    case "connect" -> {
                        Fleet.ConnectResult r = fleet.connectUpTo(Integer.parseInt(a[1]),
                                Duration.ofSeconds(Long.parseLong(a[2])), a.length > 3 ? Double.parseDouble(a[3]) : 0);
                        reply.put("connected", r.connected()).put("failed", r.failed()).put("closed", r.closed())
                                .put("handshake_histogram", Histograms.encode(r.handshakeNanos()));
                    }
                    case "keepalive" -> {
                        fleet.keepAlive(Duration.ofMillis(Long.parseLong(a[1])), Double.parseDouble(a[2]));
                        status(reply, fleet.status());
                    }
                    case "status" -> status(reply, fleet.status());
                    case "ping" -> {
                        Fleet.PingResult r = fleet.ping(Long.parseLong(a[1]), Duration.ofMillis(Long.parseLong(a[2])),
                                Duration.ofMillis(Long.parseLong(a[3])));
                        reply.put("sent", r.sent()).put("pongs", r.pongs()).put("goaways", r.goaways())
                                .put("closed", r.closed());
                    }
                    case "wake" -> {
                        Fleet.WakeResult r = fleet.wake(Integer.parseInt(a[1]), Duration.ofMillis(Long.parseLong(a[2])),
                                Duration.ofMillis(Long.parseLong(a[3])));
                        ByteBuffer buf = ByteBuffer.allocate(r.micros().getNeededByteBufferCapacity());
                        int n = r.micros().encodeIntoCompressedByteBuffer(buf);
                        reply.put("wakes", r.wakes()).put("failed", r.failed())
                                .put("histogram", Base64.getEncoder().encodeToString(
                                        java.util.Arrays.copyOf(buf.array(), n)));
                    }
                    case "quit" -> {
                        out.println(json.writeValueAsString(reply));
                        return 0;
                    }
                    default -> reply.put("error", "unknown command " + a[0]);
                }
                out.println(json.writeValueAsString(reply));
            }
        } finally {
            ticker.shutdownNow();
        }
        return 0;
    }

    private int runLive(PrintStream out) throws Exception {
        DeviceProtocol protocol = switch (live) {
            case "connmgr" -> {
                if (fleetKeyFile == null) {
                    throw new IllegalArgumentException("--fleet-key-file is required for connmgr devices");
                }
                yield new AgentProtocol(HexFormat.of().parseHex(
                        Files.readString(fleetKeyFile, StandardCharsets.US_ASCII).trim()), keepAliveSeconds);
            }
            case "mqtt" -> new MqttProtocol(keepAliveSeconds > 0 ? keepAliveSeconds : 60);
            default -> throw new IllegalArgumentException("--live is connmgr or mqtt, not " + live);
        };
        io.connmgr.agent.control.ReconnectPolicy policy = new io.connmgr.agent.control.ReconnectPolicy(
                Duration.ofMillis(backoffInitialMillis), Duration.ofMillis(backoffCapMillis),
                io.connmgr.agent.control.ReconnectPolicy.DEFAULT_STABLE_AFTER);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            return new LiveWorker().run(new LiveWorker.Settings(worker, host, port, idPrefix, protocol, policy,
                    Duration.ofMillis(handshakeTimeoutMillis)), in, out);
        }
    }

    private static ObjectNode status(ObjectNode node, Fleet.Status st) {
        return node.put("connected", st.connected()).put("connect_failed", st.connectFailed())
                .put("dropped", st.dropped()).put("keepalives_sent", st.keepAlivesSent()).put("pongs", st.pongs())
                .put("goaways", st.goaways());
    }
}
