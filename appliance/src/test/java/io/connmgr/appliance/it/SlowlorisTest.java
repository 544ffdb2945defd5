package io.connmgr.appliance.it;

import io.connmgr.protocol.backend.BackendCodec;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendWire;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static io.connmgr.appliance.it.StreamFixtures.BACKEND;
import static io.connmgr.appliance.it.StreamFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slowloris on every handshake, on real loopback sockets: a client that sends its handshake one byte at a time, too
 * slowly, or stops before the end, is answered with its protocol's error and closed when the listener's deadline
 * passes (not before, not long after), and the refusal is counted. The deadlines come from the settings, shortened.
 */
class SlowlorisTest {
    static final Duration DEADLINE = Duration.ofMillis(1_000);
    /** One byte per tick: a whole handshake takes longer than the deadline. */
    static final Duration TICK = Duration.ofMillis(60);
    /** Scheduling slack on a loaded two-core machine; the point is that the close comes at the deadline, not never. */
    static final Duration LATE = Duration.ofMillis(2_500);

    @TempDir
    Path dir;
    ApplianceHarness harness;

    @BeforeEach
    void start() throws Exception {
        String ms = DEADLINE.toMillis() + "ms";
        harness = new ApplianceHarness(dir, "handshake-timeout", ms, "proxy-request-timeout", ms,
                "admin-request-timeout", ms).withBackends(StreamFixtures.backends()).start();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void deviceHello_sentByteByByte_getsRejectHandshakeTimeoutAtTheDeadline() throws Exception {
        byte[] hello = FrameCodec.toBytes(TestDevice.hello("dev-slow", harness.fleetToken("dev-slow")));

        SlowClient.Answer a = slowly(harness.devicePort(), new byte[0], withoutLastByte(hello));

        assertThat(FrameType.fromCode(a.bytes()[0] & 0xFF)).isEqualTo(FrameType.REJECT);
        Reject reject = (Reject) FrameCodec.decode(FrameType.REJECT,
                Unpooled.wrappedBuffer(a.bytes(), Wire.HEADER_BYTES, a.bytes().length - Wire.HEADER_BYTES));
        assertThat(reject.reasonCode()).isEqualTo(ReasonCode.HANDSHAKE_TIMEOUT.code());
        await().untilAsserted(() -> assertThat(harness.counter("cm.auth.failures",
                "reason", ReasonCode.HANDSHAKE_TIMEOUT.tag())).isEqualTo(1));
    }

    @Test
    void backendHello_sentByteByByte_getsGoAwayHandshakeTimeoutAtTheDeadline() throws Exception {
        byte[] hello = BackendCodec.toBytes(new BackendFrame.Hello(BackendWire.VERSION, 0, BACKEND,
                SECRET.getBytes(StandardCharsets.UTF_8)));

        SlowClient.Answer a = slowly(harness.appliance.controlPort(), new byte[0], withoutLastByte(hello));

        assertThat(BackendFrameType.fromCode(a.bytes()[0] & 0xFF)).isEqualTo(BackendFrameType.GOAWAY);
        BackendFrame.GoAway goAway = (BackendFrame.GoAway) BackendCodec.decode(BackendFrameType.GOAWAY,
                Unpooled.wrappedBuffer(a.bytes(), Wire.HEADER_BYTES, a.bytes().length - Wire.HEADER_BYTES));
        assertThat(goAway.reasonCode()).isEqualTo(ReasonCode.HANDSHAKE_TIMEOUT.code());
        await().untilAsserted(() -> assertThat(harness.counter("cm.control.goaways",
                "reason", ReasonCode.HANDSHAKE_TIMEOUT.tag())).isEqualTo(1));
    }

    @Test
    void socks5Greeting_neverFinished_getsNoAcceptableMethodAtTheDeadline() throws Exception {
        SlowClient.Answer a = slowly(harness.appliance.proxyPort(), new byte[0], new byte[]{0x05, 0x02, 0x00});

        assertThat(a.bytes()).containsExactly(0x05, 0xFF);
        await().untilAsserted(() -> assertThat(harness.counter("cm.proxy.requests",
                "protocol", "socks5", "outcome", "timeout")).isEqualTo(1));
    }

    @Test
    void socks5Connect_sentByteByByte_getsGeneralFailureAtTheDeadline() throws Exception {
        byte[] greetingAndCredentials = concat(new byte[]{0x05, 0x01, 0x02, 0x01, (byte) BACKEND.length()},
                ascii(BACKEND), new byte[]{(byte) SECRET.length()}, ascii(SECRET));
        byte[] connect = concat(new byte[]{0x05, 0x01, 0x00, 0x03, 6}, ascii("dev-42"), new byte[]{0x1F, (byte) 0x90});

        SlowClient.Answer a = slowly(harness.appliance.proxyPort(), greetingAndCredentials, withoutLastByte(connect));

        // method selected, credentials accepted, then the CONNECT reply: general failure
        assertThat(Arrays.copyOfRange(a.bytes(), 0, 6)).containsExactly(0x05, 0x02, 0x01, 0x00, 0x05, 0x01);
        await().untilAsserted(() -> assertThat(harness.counter("cm.proxy.requests",
                "protocol", "socks5", "outcome", "timeout")).isEqualTo(1));
    }

    @Test
    void httpConnectHead_sentByteByByte_gets408WithJsonAtTheDeadline() throws Exception {
        SlowClient.Answer a = slowly(harness.appliance.proxyPort(), new byte[0],
                ascii("CONNECT dev-42:8080 HTTP/1.1\r\nHost: dev-42:8080\r\nX-Slow: " + "a".repeat(200)));

        assertThat(a.text()).startsWith("HTTP/1.1 408 ").contains("Content-Type: application/json")
                .contains("\"error\":\"request_timeout\"");
        await().untilAsserted(() -> assertThat(harness.counter("cm.proxy.requests",
                "protocol", "http", "outcome", "timeout")).isEqualTo(1));
    }

    @Test
    void adminRequestHead_sentByteByByte_gets408WithJsonAtTheDeadline() throws Exception {
        SlowClient.Answer a = slowly(harness.appliance.adminPort(), new byte[0],
                ascii("GET /v1/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + harness.adminToken() + "\r\n"));

        assertThat(a.text()).startsWith("HTTP/1.1 408 ").containsIgnoringCase("content-type: application/json")
                .contains("\"error\":\"request_timeout\"");
        await().untilAsserted(() -> assertThat(harness.counter("cm.admin.requests",
                "status", "408", "route", "timeout")).isEqualTo(1));
    }

    @Test
    void adminConnection_thatSendsNothing_gets408AtTheDeadline() throws Exception {
        SlowClient.Answer a = slowly(harness.appliance.adminPort(), new byte[0], new byte[0]);

        assertThat(a.text()).startsWith("HTTP/1.1 408 ");
    }

    /** A fast slowloris cannot make the proxy hold more than its header limit: it is refused long before its time. */
    @Test
    void httpConnectHead_thatNeverEnds_isRefusedAtTheHeaderLimit_notHeldUntilTheDeadline() throws Exception {
        try (SlowClient c = new SlowClient(harness.appliance.proxyPort())) {
            byte[] endless = ascii("CONNECT dev-42:8080 HTTP/1.1\r\nX-Big: " + "a".repeat(64 * 1024));
            c.send(endless, new byte[0], TICK);
            SlowClient.Answer a = c.awaitClose(DEADLINE.plus(LATE));

            assertThat(a.text()).startsWith("HTTP/1.1 431 ").contains("\"error\":\"malformed\"");
            assertThat(a.closedAfter()).isLessThan(DEADLINE);
        }
    }

    @Test
    void adminHead_thatNeverEnds_isRefusedAtTheHeaderLimit_notHeldUntilTheDeadline() throws Exception {
        try (SlowClient c = new SlowClient(harness.appliance.adminPort())) {
            c.send(ascii("GET /v1/stats HTTP/1.1\r\nX-Big: " + "a".repeat(64 * 1024)), new byte[0], TICK);
            SlowClient.Answer a = c.awaitClose(DEADLINE.plus(LATE));

            assertThat(a.text()).matches("(?s)HTTP/1\\.1 4\\d\\d .*").containsIgnoringCase("application/json");
            assertThat(a.closedAfter()).isLessThan(DEADLINE);
        }
    }

    private static SlowClient.Answer slowly(int port, byte[] fast, byte[] slow) throws Exception {
        try (SlowClient c = new SlowClient(port)) {
            c.send(fast, slow, TICK);
            SlowClient.Answer a = c.awaitClose(DEADLINE.plus(LATE));
            assertThat(a.closedAfter()).as("closed at the deadline, not before")
                    .isGreaterThanOrEqualTo(DEADLINE.minusMillis(50)).isLessThan(DEADLINE.plus(LATE));
            assertThat(a.bytes()).as("the protocol's error before the close").isNotEmpty();
            return a;
        }
    }

    private static byte[] withoutLastByte(byte[] b) {
        return Arrays.copyOf(b, b.length - 1);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        return io.connmgr.protocol.codec.TestBytes.concat(parts);
    }
}
