package io.connmgr.appliance.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API under a client that pipelines requests and never reads the answers: the appliance stops reading its
 * requests once the answers wait in its write buffer, so the client, not the appliance, holds the backlog. (Bodies
 * beyond the request limit are refused with 413 before they are buffered: AdminHttpRobustnessTest.)
 */
class BackpressureAdminTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void pipeliningWithoutReading_stopsBeingRead_andOthersAreStillServed() throws Exception {
        harness = new ApplianceHarness(dir).start();
        long before = (long) harness.gauge("cm.buffers.allocator.direct") + (long) harness.gauge("cm.buffers.allocator.heap");
        // Padded so that one read (64 KiB at most) holds fewer requests than the dispatcher accepts pipelined at once
        // (it closes a connection beyond that): this client is slow, not abusive, and must be paused, not dropped.
        byte[] request = ("GET /metrics HTTP/1.1\r\nHost: t\r\nX-Pad: " + "p".repeat(6000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] batch = new byte[request.length * 10];
        for (int i = 0; i < 10; i++) {
            System.arraycopy(request, 0, batch, i * request.length, request.length);
        }
        long offered = 256L * 1024 * 1024; // ~44 k requests for /metrics, tens of KiB each: GiBs of answers
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", harness.appliance.adminPort()), 5000);
            AtomicLong written = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    while (written.get() < offered) {
                        out.write(batch);
                        written.addAndGet(batch.length);
                    }
                } catch (IOException ignored) {
                    // closed by the test
                }
            });
            // Answers are generated slowly (a /metrics scrape each): a still reader is told from a slow one over 3 s.
            long moved = BackpressureStreamsTest.plateau(written::get, Duration.ofSeconds(3));
            assertThat(moved).isLessThan(offered / 4);
            long buffered = (long) harness.gauge("cm.buffers.allocator.direct")
                    + (long) harness.gauge("cm.buffers.allocator.heap");
            assertThat(buffered - before).isLessThan(BackpressureStreamsTest.MEMORY_BOUND);
            var health = harness.call("GET", "/healthz", null, null);
            assertThat(health.statusCode()).isEqualTo(200);
            // Still connected, its answers waiting for it in order.
            byte[] head = s.getInputStream().readNBytes(15);

            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
            s.close();
            writer.join(Duration.ofSeconds(10));
        }
    }
}
