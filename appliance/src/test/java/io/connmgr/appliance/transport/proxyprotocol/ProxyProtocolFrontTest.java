package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.config.SourceNetworks;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static io.connmgr.appliance.transport.proxyprotocol.Headers.*;
import static org.assertj.core.api.Assertions.assertThat;

class ProxyProtocolFrontTest {
    /** What the listener's own decoder should see: a device HELLO would do, any bytes will. */
    static final byte[] PAYLOAD = "CM\u0001 first frame bytes, PROXY and all".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void v1Tcp4_recordsTheClient_andPassesTheRestOnUnchanged() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v1("TCP4", "203.0.113.7", "10.0.0.1", 51234, 7700), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("203.0.113.7", 51234));
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
            assertThat(h.stagesPresent()).isFalse();
            assertThat(h.channel.isOpen()).isTrue();
            assertThat(h.accepted("v1", "client")).isEqualTo(1);
        }
    }

    @Test
    void v1Tcp6_recordsTheClient() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v1("TCP6", "2001:db8::42", "2001:db8::1", 443, 7700), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("2001:db8::42", 443));
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
        }
    }

    @Test
    void v2Tcp4_withTlvs_recordsTheClient_andIgnoresTheTlvs() {
        try (FrontHarness h = new FrontHarness()) {
            byte[] header = v2(PROXY, TCP4, addresses("198.51.100.20", "10.0.0.1", 60000, 7780),
                    tlv(0x05, "unique-id-1".getBytes(StandardCharsets.US_ASCII)), tlv(0x03, new byte[4]),
                    tlv(0xE0, new byte[300]));
            h.feed(concat(header, PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("198.51.100.20", 60000));
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
            assertThat(h.accepted("v2", "client")).isEqualTo(1);
        }
    }

    @Test
    void v2Tcp6_recordsTheClient() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v2(PROXY, TCP6, addresses("2001:db8::7", "2001:db8::1", 1, 7781)), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("2001:db8::7", 1));
        }
    }

    @Test
    void v2Local_aHealthCheck_keepsTheSocketsAddress() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v2(LOCAL, UNSPEC, new byte[0]), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
            assertThat(h.accepted("v2", "socket")).isEqualTo(1);
        }
    }

    @Test
    void v2Local_withAddresses_stillKeepsTheSocketsAddress() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(v2(LOCAL, TCP4, addresses("198.51.100.20", "10.0.0.1", 60000, 7780)));

            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
            assertThat(h.stagesPresent()).isFalse();
        }
    }

    @Test
    void v1Unknown_keepsTheSocketsAddress() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v1("UNKNOWN", null, null, 0, 0), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
            assertThat(h.accepted("v1", "socket")).isEqualTo(1);
        }
    }

    @Test
    void headerAndPayload_oneByteAtATime_arriveAsWhole() {
        for (byte[] header : new byte[][]{v1("TCP4", "203.0.113.7", "10.0.0.1", 51234, 7700),
                v2(PROXY, TCP4, addresses("203.0.113.7", "10.0.0.1", 51234, 7700))}) {
            try (FrontHarness h = new FrontHarness()) {
                byte[] stream = concat(header, PAYLOAD);
                for (int i = 0; i < stream.length; i++) {
                    h.feed(new byte[]{stream[i]});
                }

                assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("203.0.113.7", 51234));
                assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
            }
        }
    }

    @Test
    void trustedPeer_sendingTheProtocolWithoutAHeader_isClosedAsMalformed_andNothingPassesOn() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed("GET /v1/devices HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.MALFORMED)).isEqualTo(1);
            assertThat(h.downstream.bytes.size()).isZero();
            assertThat(h.downstream.exceptions).isEmpty();
            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
        }
    }

    @Test
    void v1_withABadAddress_isClosedAsMalformed() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed("PROXY TCP4 300.1.2.3 10.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.MALFORMED)).isEqualTo(1);
        }
    }

    @Test
    void v2_whoseTlvRunsPastTheHeader_isClosedAsMalformed_withoutALeak() {
        try (FrontHarness h = new FrontHarness()) {
            byte[] brokenTlv = {(byte) 0xE1, 0x00, 0x40, 1, 2, 3}; // says 64 bytes, has 3
            h.feed(concat(v2(PROXY, TCP4, addresses("198.51.100.20", "10.0.0.1", 1, 2), brokenTlv), PAYLOAD));

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.MALFORMED)).isEqualTo(1);
            assertThat(h.downstream.bytes.size()).isZero();
        }
    }

    @Test
    void v2_declaringMoreThanTheLimit_isClosedAsTooLarge_holdingNoMoreThanTheLimitMeanwhile() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(v2Raw(PROXY, TCP4, 60_000, addresses("198.51.100.20", "10.0.0.1", 1, 2)));
            byte[] chunk = new byte[100];
            for (int i = 0; i < 20 && h.channel.isOpen(); i++) {
                h.feed(chunk);
                assertThat(h.buffered()).isLessThanOrEqualTo(ProxyProtocolPolicy.MAX_V2_HEADER_BYTES);
            }

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.TOO_LARGE)).isEqualTo(1);
            assertThat(h.downstream.bytes.size()).isZero();
        }
    }

    @Test
    void v2_justUnderTheLimit_isAccepted() {
        try (FrontHarness h = new FrontHarness()) {
            byte[] addresses = addresses("198.51.100.20", "10.0.0.1", 1, 2);
            int tlvBytes = ProxyProtocolPolicy.MAX_V2_HEADER_BYTES - 16 - addresses.length;
            h.feed(concat(v2(PROXY, TCP4, addresses, tlv(0xE0, new byte[tlvBytes - 3])), PAYLOAD));

            assertThat(h.clientAddress()).isEqualTo(new InetSocketAddress("198.51.100.20", 1));
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(PAYLOAD);
        }
    }

    @Test
    void v1_lineLongerThanTheProtocolAllows_isClosedAsTooLarge() {
        try (FrontHarness h = new FrontHarness()) {
            byte[] longLine = new byte[200];
            Arrays.fill(longLine, (byte) 'A');
            System.arraycopy("PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII), 0, longLine, 0, 11);
            h.feed(longLine);

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.TOO_LARGE)).isEqualTo(1);
        }
    }

    @Test
    void v2Udp_isUnsupported_onATcpListener() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(concat(v2(PROXY, UDP4, addresses("198.51.100.20", "10.0.0.1", 1, 2)), PAYLOAD));

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.UNSUPPORTED)).isEqualTo(1);
            assertThat(h.downstream.bytes.size()).isZero();
            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
        }
    }

    @Test
    void noHeaderBeforeTheDeadline_isClosedAsTimeout() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed("PROXY TCP4 203.0.113.7".getBytes(StandardCharsets.US_ASCII));
            h.advance(FrontHarness.DEADLINE.minusMillis(1));
            assertThat(h.channel.isOpen()).isTrue();

            h.advance(Duration.ofMillis(1));

            assertThat(h.channel.isOpen()).isFalse();
            assertThat(h.refused(HeaderRefusal.TIMEOUT)).isEqualTo(1);
            assertThat(h.refused()).isEqualTo(1);
        }
    }

    @Test
    void theDeadline_isForgottenOnceTheHeaderIsRead() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(v1("TCP4", "203.0.113.7", "10.0.0.1", 51234, 7700));
            h.advance(FrontHarness.DEADLINE.multipliedBy(2));

            assertThat(h.channel.isOpen()).isTrue();
            assertThat(h.refused()).isZero();
        }
    }

    @Test
    void balancerClosingMidHeader_isCountedAsClosed_once() {
        try (FrontHarness h = new FrontHarness()) {
            h.feed(Arrays.copyOf(v2(PROXY, TCP4, addresses("198.51.100.20", "10.0.0.1", 1, 2)), 20));
            h.channel.close();
            h.advance(FrontHarness.DEADLINE.multipliedBy(2));

            assertThat(h.refused(HeaderRefusal.CLOSED)).isEqualTo(1);
            assertThat(h.refused()).isEqualTo(1);
        }
    }

    @Test
    void untrustedPeer_getsNoHeaderStage_soAProxyLineReachesTheProtocolUnparsed() {
        try (FrontHarness h = new FrontHarness(SourceNetworks.parse("192.0.2.0/24"))) {
            byte[] spoof = concat(v1("TCP4", "203.0.113.7", "10.0.0.1", 51234, 7700), PAYLOAD);
            h.feed(spoof);

            assertThat(h.stagesPresent()).isFalse();
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(spoof);
            assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
            assertThat(h.accepted() + h.refused()).isZero();
        }
    }

    @Test
    void proxyProtocolOff_trustsNoOne() {
        try (FrontHarness h = new FrontHarness(SourceNetworks.NONE)) {
            assertThat(h.stagesPresent()).isFalse();
        }
    }
}
