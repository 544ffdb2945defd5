package io.connmgr.appliance.transport.proxyprotocol;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.connmgr.appliance.transport.proxyprotocol.Headers.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever a trusted balancer sends (valid headers in any chunking, valid headers damaged, random bytes), the PROXY
 * stages let no exception out and leak no buffer (every buffer is tracked; the build also runs Netty's PARANOID leak
 * detection), never hold more than the largest header, and end in exactly one of two ways: the client recorded and
 * every byte after the header passed on unchanged, or the connection closed with nothing passed on. A header still
 * incomplete at the end is decided by the deadline.
 *
 * <p>The build runs each property's tries as written; {@code -Dproxyprotocol.fuzz.tries=N} runs N by hand
 * (docs/benchmarks.md, "PROXY protocol fuzzing").
 */
@AddLifecycleHook(FuzzTries.class)
class ProxyProtocolFrontProperties {
    /** A v1 line is at most 107 bytes with its CRLF; Netty lets a line of 108 and its CRLF by. */
    private static final int MAX_V1_LINE = 110;

    record Valid(byte[] header, InetSocketAddress client) {
        @Override
        public String toString() {
            return Arrays.toString(header) + " -> " + (client == null ? "socket" : client);
        }
    }

    @Property(tries = 2_000)
    void validHeader_anyChunking_recordsTheClient_andPassesThePayloadOnUnchanged(
            @ForAll("validHeaders") Valid valid, @ForAll @Size(max = 300) byte[] payload,
            @ForAll("chunkSizes") List<Integer> chunkSizes) {
        try (FrontHarness h = new FrontHarness()) {
            feed(h, concat(valid.header(), payload), chunkSizes);

            assertThat(h.downstream.exceptions).isEmpty();
            assertThat(h.accepted()).isEqualTo(1);
            assertThat(h.clientAddress()).isEqualTo(valid.client() == null ? FrontHarness.BALANCER : valid.client());
            assertThat(h.downstream.bytes.toByteArray()).isEqualTo(payload);
            assertThat(h.stagesPresent()).isFalse();
            assertThat(h.channel.isOpen()).isTrue();
        }
    }

    @Property(tries = 10_000)
    void damagedHeader_recordsAndPassesTheRestOn_orCloses(
            @ForAll("validHeaders") Valid valid, @ForAll @Size(max = 64) byte[] payload,
            @ForAll("positions") List<Integer> flips, @ForAll @IntRange(max = 40) int truncateBy,
            @ForAll @Size(max = 8) byte[] inserted, @ForAll @IntRange(max = 1000) int insertAt,
            @ForAll("chunkSizes") List<Integer> chunkSizes) {
        byte[] stream = concat(valid.header(), payload);
        for (int position : flips) {
            stream[position % stream.length] ^= (byte) (1 << (position % 8));
        }
        int at = insertAt % (stream.length + 1);
        stream = concat(Arrays.copyOf(stream, at), inserted, Arrays.copyOfRange(stream, at, stream.length));
        stream = Arrays.copyOf(stream, Math.max(0, stream.length - truncateBy));
        checkOutcome(stream, chunkSizes);
    }

    @Property(tries = 10_000)
    void randomBytes_recordAndPassTheRestOn_orClose(@ForAll("prefixes") byte[] prefix,
                                                     @ForAll @Size(max = 1500) byte[] rest,
                                                     @ForAll("chunkSizes") List<Integer> chunkSizes) {
        checkOutcome(concat(prefix, rest), chunkSizes);
    }

    private static void checkOutcome(byte[] stream, List<Integer> chunkSizes) {
        try (FrontHarness h = new FrontHarness()) {
            feed(h, stream, chunkSizes);
            if (h.channel.isOpen() && h.stagesPresent()) {
                assertThat(h.downstream.bytes.size()).as("bytes passed on before a header").isZero();
                h.advance(FrontHarness.DEADLINE);
            }

            assertThat(h.downstream.exceptions).as("exceptions past the PROXY stages").isEmpty();
            assertThat(h.downstream.others).as("messages other than bytes past the PROXY stages").isEmpty();
            assertThat(h.accepted() + h.refused()).as("decided exactly once").isEqualTo(1);
            byte[] passed = h.downstream.bytes.toByteArray();
            if (h.accepted() == 1) {
                Statistics.collect("accepted");
                assertThat(h.channel.isOpen()).isTrue();
                assertThat(h.stagesPresent()).isFalse();
                int headerLength = stream.length - passed.length;
                assertThat(headerLength).isBetween(15, ProxyProtocolPolicy.MAX_V2_HEADER_BYTES);
                assertThat(passed).as("the rest, unchanged").isEqualTo(Arrays.copyOfRange(stream, headerLength,
                        stream.length));
            } else {
                Statistics.collect(reason(h));
                assertThat(h.channel.isOpen()).isFalse();
                assertThat(passed).as("bytes passed on from a refused connection").isEmpty();
                assertThat(h.clientAddress()).isEqualTo(FrontHarness.BALANCER);
            }
        }
    }

    private static void feed(FrontHarness h, byte[] stream, List<Integer> chunkSizes) {
        int fed = 0;
        for (int i = 0; fed < stream.length && h.channel.isOpen(); i++) {
            int size = Math.min(stream.length - fed, chunkSizes.get(i % chunkSizes.size()));
            h.feed(Arrays.copyOfRange(stream, fed, fed + size));
            fed += size;
            assertThat(h.buffered()).as("bytes held for a header").isLessThanOrEqualTo(
                    ProxyProtocolPolicy.MAX_V2_HEADER_BYTES);
            assertThat(h.downstream.exceptions).as("exceptions past the PROXY stages").isEmpty();
        }
    }

    private static String reason(FrontHarness h) {
        for (HeaderRefusal r : HeaderRefusal.values()) {
            if (h.refused(r) > 0) {
                return r.tag();
            }
        }
        throw new AssertionError("refused without a reason");
    }

    @Provide
    Arbitrary<Valid> validHeaders() {
        Arbitrary<Integer> ports = Arbitraries.integers().between(0, 65535);
        // Netty refuses port 0 in a v1 line (as malformed), though it takes it in v2; no balancer sends it.
        Arbitrary<Integer> v1Ports = Arbitraries.integers().between(1, 65535);
        Arbitrary<byte[]> ipv4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> ipv6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<Valid> v1Tcp4 = Combinators.combine(ipv4, ipv4, v1Ports, v1Ports).as((s, d, sp, dp) ->
                new Valid(v1("TCP4", text(s), text(d), sp, dp), client(s, sp)));
        Arbitrary<Valid> v1Tcp6 = Combinators.combine(ipv6, ipv6, v1Ports, v1Ports).as((s, d, sp, dp) ->
                new Valid(v1("TCP6", text(s), text(d), sp, dp), client(s, sp)));
        Arbitrary<Valid> v1Unknown = Arbitraries.just(new Valid(v1("UNKNOWN", null, null, 0, 0), null));
        Arbitrary<Valid> v2Tcp4 = Combinators.combine(ipv4, ipv4, ports, ports, tlvs()).as((s, d, sp, dp, t) ->
                new Valid(v2(PROXY, TCP4, concat(s, d, port(sp), port(dp)), t), client(s, sp)));
        Arbitrary<Valid> v2Tcp6 = Combinators.combine(ipv6, ipv6, ports, ports, tlvs()).as((s, d, sp, dp, t) ->
                new Valid(v2(PROXY, TCP6, concat(s, d, port(sp), port(dp)), t), client(s, sp)));
        Arbitrary<Valid> v2Local = tlvs().map(t -> new Valid(v2(LOCAL, UNSPEC, new byte[0], t), null));
        return Arbitraries.oneOf(v1Tcp4, v1Tcp6, v1Unknown, v2Tcp4, v2Tcp6, v2Local);
    }

    /**
     * Up to three TLVs of any type but SSL (0x20, which has a structure of its own), 0 to 64 bytes each: larger ones
     * only cost time (the size limit has tests and the random property of its own).
     */
    private static Arbitrary<byte[]> tlvs() {
        Arbitrary<byte[]> one = Combinators.combine(
                Arbitraries.integers().between(0, 255).filter(t -> t != 0x20),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64)).as(Headers::tlv);
        return one.list().ofMaxSize(3).map(list -> concat(list.toArray(byte[][]::new)));
    }

    /** Starts that get random bytes past the version detection: the v2 signature, "PROXY ", or nothing. */
    @Provide
    Arbitrary<byte[]> prefixes() {
        return Arbitraries.of(V2_SIGNATURE, "PROXY ".getBytes(StandardCharsets.US_ASCII),
                "PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII), new byte[0]);
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 2048))
                .list().ofMinSize(1).ofMaxSize(10);
    }

    private static byte[] port(int port) {
        return new byte[]{(byte) (port >> 8), (byte) port};
    }

    /** The text form a balancer writes: IPv6 in full, never as IPv4 even when IPv4-mapped. */
    private static String text(byte[] ip) {
        try {
            return ip.length == 4 ? InetAddress.getByAddress(ip).getHostAddress()
                    : Inet6Address.getByAddress(null, ip, -1).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static InetSocketAddress client(byte[] ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
