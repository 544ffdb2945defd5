package io.connmgr.appliance.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The disk fills up under a running appliance: a real, small file system (tmpfs of {@link #SIZE}) holds the data dir,
 * and a filler file takes the rest of it. A downlink message POSTed then is answered 507 with a JSON body, never 202;
 * every message that was answered 202 is still there; readiness turns false and the failure is counted. RocksDB keeps
 * refusing writes after a failed write-ahead-log append until it is reopened, so the way back is: free the space,
 * restart; then the appliance is ready, still has every accepted message, and accepts new ones.
 *
 * <p>Mounting needs root (CI runs the suite as root in its container); elsewhere the test is skipped, saying why.
 */
class DiskFullTest {
    static final String SIZE = "24m";
    static final int BODY_BYTES = 256 * 1024;

    @TempDir
    Path dir;
    Path mount;
    ApplianceHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (mount != null) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void diskFull_postGets507_notReady_counted_andReadyAfterRestartOnceSpaceIsFree() throws Exception {
        mount = dir.resolve("small-fs");
        Files.createDirectories(mount);
        int mounted = run("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", mount.toString());
        assumeThat(mounted).as("mounting a %s tmpfs for the data dir (needs root: CI runs as root)", SIZE).isZero();

        harness = new ApplianceHarness(mount.resolve("data")).start();
        assertThat(harness.admin("POST", "/v1/devices", "{\"device_id\":\"dev-full\"}").statusCode()).isEqualTo(201);
        assertThat(readyz()).isEqualTo(200);

        Path filler = mount.resolve("filler");
        fill(filler);

        List<String> accepted = new ArrayList<>();
        HttpResponse<String> refused = null;
        String body = "x".repeat(BODY_BYTES);
        for (int i = 0; i < 200 && refused == null; i++) {
            HttpResponse<String> r = harness.admin("POST", "/v1/devices/dev-full/messages", body);
            if (r.statusCode() == 202) {
                accepted.add(r.body().replaceAll(".*\"message_id\":\"([^\"]+)\".*", "$1"));
            } else {
                refused = r;
            }
        }

        assertThat(refused).as("a POST was refused once the disk was full").isNotNull();
        assertThat(refused.statusCode()).isEqualTo(507);
        assertThat(refused.headers().firstValue("content-type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        assertThat(refused.body()).contains("\"error\":\"store_full\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> readyz() == 503);
        assertThat(harness.counter("cm.store.failures", "kind", "disk_full")).isGreaterThanOrEqualTo(1);
        for (String id : accepted) {
            assertThat(harness.admin("GET", "/v1/devices/dev-full/messages/" + id, null).statusCode())
                    .as("message %s, answered 202, is still known", id).isEqualTo(200);
        }

        Files.delete(filler);
        assertThat(readyz()).as("not ready until restarted: RocksDB keeps its write error").isEqualTo(503);
        harness.restart();

        assertThat(readyz()).isEqualTo(200);
        for (String id : accepted) {
            assertThat(harness.admin("GET", "/v1/devices/dev-full/messages/" + id, null).statusCode())
                    .as("message %s, answered 202, survived the restart", id).isEqualTo(200);
        }
        assertThat(harness.admin("POST", "/v1/devices/dev-full/messages", "after").statusCode()).isEqualTo(202);
    }

    private int readyz() throws Exception {
        return harness.admin("GET", "/readyz", null).statusCode();
    }

    /** Writes until the file system refuses; bounded by its size. */
    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 64 * 1024 * 1024 / block.length; i++) {
                out.write(block);
            }
            throw new AssertionError("the small file system never filled up");
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
    }

    private static int run(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            p.getInputStream().readAllBytes();
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        }
    }
}
