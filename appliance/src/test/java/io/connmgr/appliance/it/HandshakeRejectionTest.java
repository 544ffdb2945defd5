package io.connmgr.appliance.it;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input at the door: each case gets its reason code, a counter, and a closed connection. */
class HandshakeRejectionTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;

    @BeforeEach
    void start() throws InterruptedException {
        harness = new ApplianceHarness(dir, "handshake-timeout", "300ms", "max-frame-size", "1KiB").start();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private Reject rejectFor(byte[] bytes) throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.sendRaw(bytes);
            Reject r = (Reject) d.read();
            assertThat(d.closedByPeer()).isTrue();
            return r;
        }
    }

    @Test
    void wrongFleetToken_isRejectedAsUnknownDevice_andCounted() throws Exception {
        Reject r = rejectFor(FrameCodec.toBytes(TestDevice.hello("dev-1", "0".repeat(64))));
        assertThat(r.reason()).isEqualTo(ReasonCode.UNKNOWN_DEVICE);
        assertThat(harness.counter("cm.auth.failures", "reason", "unknown_device")).isEqualTo(1);
    }

    @Test
    void provisionedDevice_acceptsItsOwnToken_andRejectsAWrongOne() throws Exception {
        var created = harness.admin("POST", "/v1/devices", "{\"device_id\":\"dev-7\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String token = created.body().replaceAll(".*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-7", token);
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isEqualTo(Pong.INSTANCE);
        }
        Reject r = rejectFor(FrameCodec.toBytes(TestDevice.hello("dev-7", token + "x")));
        assertThat(r.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS);
        assertThat(harness.counter("cm.auth.failures", "reason", "bad_credentials")).isEqualTo(1);
    }

    @Test
    void silentConnection_isRejectedAtTheHandshakeDeadline() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            Reject r = (Reject) d.read();
            assertThat(r.reason()).isEqualTo(ReasonCode.HANDSHAKE_TIMEOUT);
            assertThat(d.closedByPeer()).isTrue();
        }
        assertThat(harness.counter("cm.auth.failures", "reason", "handshake_timeout")).isEqualTo(1);
    }

    @Test
    void garbageBeforeHello_isRejectedAsProtocolError() throws Exception {
        Reject r = rejectFor("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(r.message()).doesNotContain("Exception").doesNotContain("at io.");
        assertThat(harness.counter("cm.frames.rejected", "reason", "protocol_error")).isEqualTo(1);
    }

    @Test
    void helloWithAMalformedDirectAddressOrAReservedFlag_isRejectedAsProtocolError_andCounted() throws Exception {
        for (String name : new String[]{"hello.direct_address_port_0", "hello.direct_address_ipv6_without_brackets",
                "hello.direct_address_flag_without_address", "hello.reserved_flag_bit_2"}) {
            byte[] bytes = io.connmgr.protocol.golden.GoldenVectors.violations().stream()
                    .filter(v -> v.name().equals(name)).findFirst().orElseThrow().bytes();

            Reject r = rejectFor(bytes);

            assertThat(r.reason()).as(name).isEqualTo(ReasonCode.PROTOCOL_ERROR);
            assertThat(r.message()).as(name).isNotBlank().doesNotContain("Exception");
        }
        assertThat(harness.counter("cm.frames.rejected", "reason", "protocol_error")).isEqualTo(4);
        assertThat(harness.appliance.store().loadReachability("sensor-0001")).isEmpty();
    }

    @Test
    void wrongProtocolVersion_isRejected() throws Exception {
        byte[] hello = FrameCodec.toBytes(TestDevice.hello("dev-1", harness.fleetToken("dev-1")));
        hello[Wire.HEADER_BYTES + 2] = 9; // version byte after the magic
        assertThat(rejectFor(hello).reason()).isEqualTo(ReasonCode.UNSUPPORTED_VERSION);
    }

    @Test
    void frameBeforeHello_isRejectedAsUnexpected() throws Exception {
        assertThat(rejectFor(Wire.ping()).reason()).isEqualTo(ReasonCode.UNEXPECTED_FRAME);
    }

    @Test
    void oversizedFrameAfterWelcome_getsGoAwayFrameTooLarge_beforeThePayloadIsSent() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            d.sendRaw(new byte[]{0x07, 0x01, 0x00, 0x00}); // MSG header announcing 64 KiB; no payload follows
            GoAway g = (GoAway) d.read();
            assertThat(g.reason()).isEqualTo(ReasonCode.FRAME_TOO_LARGE);
            assertThat(d.closedByPeer()).isTrue();
        }
        assertThat(harness.counter("cm.frames.rejected", "reason", "frame_too_large")).isEqualTo(1);
    }

    @Test
    void truncatedFrameThenClose_doesNotDisturbOtherDevices() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.sendRaw(new byte[]{0x01, 0x00, 0x00, 0x40, 0x43});
        }
        try (TestDevice ok = new TestDevice(harness.devicePort())) {
            Welcome w = ok.connect("dev-2", harness.fleetToken("dev-2"));
            assertThat(w.version()).isEqualTo(Wire.PROTOCOL_VERSION);
        }
    }

    @Test
    void msgSequenceGap_getsGoAwayProtocolError() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            d.send(new io.connmgr.protocol.message.Msg(5, new byte[1]));
            assertThat(((GoAway) d.read()).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
            assertThat(d.closedByPeer()).isTrue();
        }
    }

    @Test
    void ackForAMessageNeverSent_getsGoAwayProtocolError() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            d.send(new io.connmgr.protocol.message.Ack(3));
            assertThat(((GoAway) d.read()).reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void helloTwice_getsGoAwayUnexpectedFrame() throws Exception {
        try (TestDevice d = new TestDevice(harness.devicePort())) {
            d.connect("dev-1", harness.fleetToken("dev-1"));
            d.send(new Hello(Wire.PROTOCOL_VERSION, 0, 0, "dev-1", new byte[0], null));
            assertThat(((GoAway) d.read()).reason()).isEqualTo(ReasonCode.UNEXPECTED_FRAME);
        }
    }
}
