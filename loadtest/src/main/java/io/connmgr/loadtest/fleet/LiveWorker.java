package io.connmgr.loadtest.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connmgr.agent.control.ReconnectPolicy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The command loop of a fleet worker holding {@link LiveFleet live devices} (the {@code --live} mode of
 * {@code fleet-worker}). Same line protocol as the plain worker: one command per stdin line, one JSON object per reply
 * line, end of stdin ends the worker.
 *
 * <pre>
 * connect N RATE DEADLINE_S   start devices up to N in the background (RATE per second, 0 = window-bound);
 *                             replies at once with the counters
 * counters                    the counters (devices, connected, attempts, failed, lost, rejects, goaways, ...)
 * mark                        start a new observation: forget full_at_ms and the reconnect times
 * drop                        close every established connection; the devices reconnect at once
 * reconnects                  the reconnect times since mark, an HdrHistogram in nanoseconds, compressed, base64
 * ping COUNT WINDOW_MS GRACE_MS  extra keep-alive probes spread over the window; replies sent and pongs
 * keepalive INTERVAL_MS JITTER    from now on every device probes every INTERVAL_MS ± JITTER (a fraction) instead of
 *                             at its session's keep-alive; 0 stops the probes; replies with the counters
 * quit
 * </pre>
 *
 * <p>Besides the one reply per command, the worker writes a {@code {"op":"progress",...}} line with the counters twice
 * a second while they change, as the plain worker does, so the coordinator can read them without a command.
 */
final class LiveWorker {
    private static final long PROGRESS_MILLIS = 500;
    private final ObjectMapper json = new ObjectMapper();

    record Settings(int worker, String host, int port, String idPrefix, DeviceProtocol protocol,
                    ReconnectPolicy policy, Duration handshakeTimeout) {
    }

    int run(Settings s, BufferedReader in, PrintStream out) throws IOException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        try (LiveFleet fleet = new LiveFleet(s.worker(), s.idPrefix(),
                new java.net.InetSocketAddress(s.host(), s.port()), s.protocol(), s.policy(), s.handshakeTimeout())) {
            out.println(json.writeValueAsString(json.createObjectNode().put("op", "ready")));
            LiveFleet.Snapshot[] lastSent = {null};
            ticker.scheduleAtFixedRate(() -> {
                try {
                    LiveFleet.Snapshot c = fleet.snapshot();
                    if (!c.equals(lastSent[0])) {
                        lastSent[0] = c;
                        // println is atomic: a progress line never splits a reply
                        out.println(counters(json.createObjectNode().put("op", "progress"), c).toString());
                    }
                } catch (RuntimeException e) {
                    // the fleet is closing; the next tick, if any, tries again
                }
            }, PROGRESS_MILLIS, PROGRESS_MILLIS, TimeUnit.MILLISECONDS);
            String line;
            while ((line = in.readLine()) != null) {
                String[] a = line.trim().split("\\s+");
                ObjectNode reply = json.createObjectNode().put("op", a[0]);
                try {
                    switch (a[0]) {
                        case "connect" -> {
                            fleet.startRamp(Integer.parseInt(a[1]), Double.parseDouble(a[2]),
                                    Duration.ofSeconds(Long.parseLong(a[3])));
                            counters(reply, fleet.snapshot());
                        }
                        case "counters" -> counters(reply, fleet.snapshot());
                        case "mark" -> fleet.mark();
                        case "drop" -> reply.put("dropped", fleet.dropAll()).put("at_ms", System.currentTimeMillis());
                        case "reconnects" -> {
                            var h = fleet.reconnectNanos();
                            ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
                            int n = h.encodeIntoCompressedByteBuffer(buf);
                            reply.put("count", h.getTotalCount()).put("histogram",
                                    Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n)));
                        }
                        case "ping" -> {
                            LiveFleet.PingResult r = fleet.ping(Long.parseLong(a[1]),
                                    Duration.ofMillis(Long.parseLong(a[2])), Duration.ofMillis(Long.parseLong(a[3])));
                            reply.put("sent", r.sent()).put("pongs", r.pongs());
                        }
                        case "keepalive" -> {
                            fleet.keepAlive(Duration.ofMillis(Long.parseLong(a[1])), Double.parseDouble(a[2]));
                            counters(reply, fleet.snapshot());
                        }
                        case "quit" -> {
                            out.println(json.writeValueAsString(reply));
                            return 0;
                        }
                        default -> reply.put("error", "unknown command " + a[0]);
                    }
                } catch (RuntimeException e) {
                    reply.put("error", a[0] + ": " + e);
                }
                out.println(json.writeValueAsString(reply));
            }
        } finally {
            ticker.shutdownNow();
        }
        return 0;
    }

    private static ObjectNode counters(ObjectNode reply, LiveFleet.Snapshot c) {
        reply.put("devices", c.devices()).put("connected", c.connected()).put("attempts", c.attempts())
                .put("failed", c.failed()).put("handshake_timeouts", c.handshakeTimeouts()).put("lost", c.lost())
                .put("rejects", c.rejects()).put("goaways", c.goaways()).put("deferrals", c.deferrals()).put("resumed", c.resumed())
                .put("pings", c.pings()).put("pongs", c.pongs()).put("reconnected", c.reconnected())
                .put("full_at_ms", c.fullAtMillis()).put("last_problem", c.lastProblem());
        return reply;
    }
}
