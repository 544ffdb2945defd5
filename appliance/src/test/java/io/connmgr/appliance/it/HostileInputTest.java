package io.connmgr.appliance.it;

import io.connmgr.protocol.backend.BackendCodec;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.connmgr.appliance.it.SlowlorisTest.ascii;
import static io.connmgr.appliance.it.SlowlorisTest.concat;
import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input on every listener, on real loopback sockets: invalid JSON on every admin route that takes a body
 * (400 with a JSON body), invalid UTF-8 in identifiers (a clear error, never a crash), and oversized frames or
 * requests refused on their header, before any of the announced body is sent or buffered.
 */
class HostileInputTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @BeforeEach
    void start() throws Exception {
        // connect-wait short: a proxy request for a device id nobody holds is answered when the wait ends
        harness = new ApplianceHarness(dir, "max-frame-size", "64KiB", "connect-wait", "1s")
                .withBackends(StreamFixtures.backends()).start();
        assertThat(harness.admin("POST", "/v1/devices", "{\"device_id\":\"dev-1\"}").statusCode()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    // ---- invalid JSON: routes × bad bodies

    static final List<String[]> JSON_ROUTES = List.of(
            new String[]{"POST", "/v1/devices"},
            new String[]{"POST", "/v1/devices/dev-1/tier"},
            new String[]{"POST", "/v1/backends"},
            new String[]{"PUT", "/v1/devices/dev-1/settings"},
            new String[]{"POST", "/v1/devices/dev-1/direct-attempts"});

    static final List<byte[]> BAD_BODIES = List.of(
            new byte[0],
            ascii("this is not JSON"),
            ascii("[\"an\", \"array\"]"),
            ascii("\"a string\""),
            ascii("42"),
            ascii("null"),
            ascii("{}"),
            ascii("{\"device_id\": 42, \"tier\": [], \"name\": {}, \"success\": \"yes\", \"sleep_after\": true}"),
            ascii("{\"unknown\": \"field\"}"),
            ascii("{\"device_id\": \"d\", \"tier\": \"ACTIVE\", \"name\": \"n\", \"success\": true} trailing"),
            ascii("{\"device_id\": \"d\"}{\"device_id\": \"e\"}"),
            ascii("[".repeat(10_000) + "]".repeat(10_000)),
            ascii("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)),
            ascii("{\"sleep_after\": 1" + "0".repeat(5_000) + ", \"success\": 1e999999999}"),
            ascii("{\"tier\": \"ACT"),
            concat(ascii("{\"device_id\": \"d"), new byte[]{(byte) 0xFF, (byte) 0xFE, (byte) 0xC0, (byte) 0x80},
                    ascii("\"}")));

    @Test
    void everyRouteTakingABody_answersEveryBadBody400WithAJsonError() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String[] route : JSON_ROUTES) {
            for (byte[] body : BAD_BODIES) {
                if (route[1].endsWith("/settings") && new String(body, StandardCharsets.ISO_8859_1).equals("{}")) {
                    continue; // an empty settings object is a valid PUT: it clears every override
                }
                HttpResponse<byte[]> r = harness.call(route[0], route[1], harness.adminToken(), body,
                        "Content-Type", "application/json");
                String text = new String(r.body(), StandardCharsets.UTF_8);
                boolean json = r.headers().firstValue("content-type").orElse("").startsWith("application/json");
                if (r.statusCode() != 400 || !json || !text.matches("(?s)\\{\"error\":\"[a-z_]+\".*")) {
                    String shown = new String(body, StandardCharsets.ISO_8859_1);
                    wrong.add(route[0] + " " + route[1] + " <- " + (shown.length() > 40 ? shown.substring(0, 40) + "..."
                            : shown) + " => " + r.statusCode() + " " + text);
                }
            }
        }
        assertThat(wrong).as("answers that are not 400 with a JSON error").isEmpty();
    }

    // ---- invalid UTF-8 in identifiers

    @Test
    void adminPath_withInvalidUtf8DeviceId_gets4xxJson() throws Exception {
        for (String path : List.of("/v1/devices/%FF%FE", "/v1/devices/%C0%80/tier", "/v1/devices/dev%ED%A0%80")) {
            HttpResponse<byte[]> r = harness.call("GET", path, harness.adminToken(), null);
            assertThat(r.statusCode()).as(path).isBetween(400, 499);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(path).startsWith("{\"error\":");
        }
    }

    @Test
    void deviceHello_withInvalidUtf8DeviceId_getsRejectInvalidDeviceId() throws Exception {
        byte[] hello = FrameCodec.toBytes(TestDevice.hello("dev-ABCD", harness.fleetToken("dev-ABCD")));
        replace(hello, ascii("ABCD"), new byte[]{(byte) 0xFF, (byte) 0xFE, (byte) 0xC0, (byte) 0x80});

        byte[] answer = exchange(harness.devicePort(), hello);

        assertThat(FrameType.fromCode(answer[0] & 0xFF)).isEqualTo(FrameType.REJECT);
        Reject reject = (Reject) FrameCodec.decode(FrameType.REJECT,
                Unpooled.wrappedBuffer(answer, Wire.HEADER_BYTES, answer.length - Wire.HEADER_BYTES));
        assertThat(reject.reasonCode()).isEqualTo(ReasonCode.INVALID_DEVICE_ID.code());
    }

    @Test
    void socks5Connect_toAnInvalidUtf8HostName_getsHostUnreachable() throws Exception {
        byte[] request = concat(new byte[]{0x05, 0x01, 0x02, 0x01, (byte) BACKEND.length()}, ascii(BACKEND),
                new byte[]{(byte) SECRET.length()}, ascii(SECRET),
                new byte[]{0x05, 0x01, 0x00, 0x03, 4, (byte) 0xFF, (byte) 0xFE, (byte) 0xC0, (byte) 0x80, 0x1F, (byte) 0x90});

        byte[] answer = exchange(harness.appliance.proxyPort(), request);

        assertThat(answer).startsWith(0x05, 0x02, 0x01, 0x00, 0x05);
        assertThat(answer[5]).as("SOCKS5 reply code").isNotZero();
    }

    @Test
    void httpConnect_toAnInvalidUtf8HostName_getsAnHttpErrorWithJson() throws Exception {
        byte[] request = concat(ascii("CONNECT "), new byte[]{(byte) 0xFF, (byte) 0xFE, (byte) 0xC0, (byte) 0x80},
                ascii(":8080 HTTP/1.1\r\nProxy-Authorization: Basic YmFja2VuZC0xOnMzY3JldC10b2tlbg==\r\n\r\n"));

        String answer = new String(exchange(harness.appliance.proxyPort(), request), StandardCharsets.ISO_8859_1);

        assertThat(answer).matches("(?s)HTTP/1\\.1 [45]\\d\\d .*").contains("\"error\":");
    }

    // ---- oversized: refused on the header, before the body is sent

    @Test
    void deviceFrame_announcingMoreThanTheLimit_isRejectedBeforeItsPayloadIsSent() throws Exception {
        byte[] header = {(byte) FrameType.HELLO.code(), 0x01, 0x00, 0x01}; // 65537 bytes announced, limit 64 KiB

        byte[] answer = exchange(harness.devicePort(), header);

        Reject reject = (Reject) FrameCodec.decode(FrameType.REJECT,
                Unpooled.wrappedBuffer(answer, Wire.HEADER_BYTES, answer.length - Wire.HEADER_BYTES));
        assertThat(reject.reasonCode()).isEqualTo(ReasonCode.FRAME_TOO_LARGE.code());
        assertThat(harness.counter("cm.frames.rejected", "reason", ReasonCode.FRAME_TOO_LARGE.tag())).isEqualTo(1);
    }

    @Test
    void controlFrame_announcingMoreThanTheLimit_isRefusedBeforeItsPayloadIsSent() throws Exception {
        byte[] header = {(byte) BackendFrameType.HELLO.code(), (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        byte[] answer = exchange(harness.appliance.controlPort(), header);

        assertThat(BackendFrameType.fromCode(answer[0] & 0xFF)).isEqualTo(BackendFrameType.GOAWAY);
        BackendFrame.GoAway goAway = (BackendFrame.GoAway) BackendCodec.decode(BackendFrameType.GOAWAY,
                Unpooled.wrappedBuffer(answer, Wire.HEADER_BYTES, answer.length - Wire.HEADER_BYTES));
        assertThat(goAway.reasonCode()).isEqualTo(ReasonCode.FRAME_TOO_LARGE.code());
    }

    @Test
    void adminBody_announcingMoreThanTheLimit_gets413BeforeItIsSent() throws Exception {
        byte[] head = ascii("POST /v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + harness.adminToken()
                + "\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n");

        String answer = new String(exchange(harness.appliance.adminPort(), head), StandardCharsets.ISO_8859_1);

        assertThat(answer).startsWith("HTTP/1.1 413 ").contains("\"error\":\"payload_too_large\"");
    }

    /** Sends {@code bytes} and nothing more; returns what the appliance answers before it closes (or 5 s pass). */
    private static byte[] exchange(int port, byte[] bytes) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) Duration.ofSeconds(5).toMillis());
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException stillOpenOrReset) {
                // what arrived is the answer; an HTTP keep-alive connection may stay open after it
            }
            assertThat(got.size()).as("an answer arrived").isPositive();
            return got.toByteArray();
        }
    }

    private static void replace(byte[] in, byte[] what, byte[] with) {
        for (int i = 0; i + what.length <= in.length; i++) {
            if (java.util.Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                System.arraycopy(with, 0, in, i, with.length);
                return;
            }
        }
        throw new AssertionError("not found");
    }
}
