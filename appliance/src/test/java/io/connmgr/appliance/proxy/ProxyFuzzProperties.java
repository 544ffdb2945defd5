package io.connmgr.appliance.proxy;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.config.SourceNetworks;
import io.connmgr.appliance.fuzz.FuzzedChannel;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.stream.OpenFailure;
import io.connmgr.appliance.stream.OpenRequest;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.protocol.codec.LeakWatch;
import io.connmgr.protocol.codec.Mutation;
import io.connmgr.protocol.codec.TestBytes;
import io.netty.channel.embedded.EmbeddedChannel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy listener's request path (protocol detection, SOCKS5 greeting/credentials/CONNECT, HTTP CONNECT head) fed
 * random and damaged requests, split at random boundaries: nothing escapes to the last stage, nothing leaks, every
 * answer is the protocol's own (SOCKS5 reply bytes or an HTTP response), and once the request deadline has passed the
 * connection is closed. Tries: jqwik's default (1000 per property); {@code -Djqwik.tries.default=1000000} by hand.
 */
class ProxyFuzzProperties {
    static final long TIMEOUT_MILLIS = 1_000;
    private static final String NAME = "be";
    private static final String TOKEN = "secret";

    static final List<byte[]> VALID = List.of(
            // greeting offering password, credentials, CONNECT to a domain name
            TestBytes.concat(TestBytes.hex("05 02 00 02"), TestBytes.hex("01 02"), NAME.getBytes(StandardCharsets.US_ASCII),
                    TestBytes.hex("06"), TOKEN.getBytes(StandardCharsets.US_ASCII),
                    TestBytes.hex("05 01 00 03 06"), "dev-42".getBytes(StandardCharsets.US_ASCII), TestBytes.hex("1f 90")),
            // greeting without a password (refused: not trusted), and CONNECT to an IPv4 and an IPv6 address
            TestBytes.hex("05 01 00 05 01 00 01 0a 00 00 01 1f 90"),
            TestBytes.concat(TestBytes.hex("05 01 02 01 02"), NAME.getBytes(StandardCharsets.US_ASCII),
                    TestBytes.hex("06"), TOKEN.getBytes(StandardCharsets.US_ASCII),
                    TestBytes.hex("05 01 00 04 00000000000000000000000000000001 1f 90")),
            ascii("CONNECT dev-42:8080 HTTP/1.1\r\nHost: dev-42:8080\r\nProxy-Authorization: Basic YmU6c2VjcmV0\r\n\r\n"),
            ascii("CONNECT dev-42.devices.:443 HTTP/1.1\r\nProxy-Authorization: Basic YmU6d3Jvbmc=\r\n\r\n"),
            ascii("GET http://dev-42/ HTTP/1.1\r\nHost: dev-42\r\nContent-Length: 5\r\n\r\nhello"),
            ascii("CONNECT dev-42:8080 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));

    /** One for the run: its metrics registry is costly to build and the outcome counters are not under test here. */
    private static final ProxyServer.Context CONTEXT = context(request -> request.reply()
            .failed(OpenFailure.UNKNOWN_DEVICE));

    @BeforeContainer
    static void watchLeaksAndWarmUp() {
        LeakWatch.install();
        // The first inputs load and compile the whole pipeline; that time is not the input's.
        VALID.forEach(request -> check(request, List.of(4096)));
    }

    @AfterContainer
    static void noLeakReported() {
        LeakWatch.assertNoLeaks();
    }

    @Property
    void randomBytes_getTheProtocolsAnswerOrNothing(@ForAll @Size(max = 2048) byte[] stream,
                                                    @ForAll("chunkSizes") List<Integer> chunkSizes) {
        check(stream, chunkSizes);
    }

    @Property
    void socksLeadByteThenRandom_getTheProtocolsAnswerOrNothing(@ForAll @Size(max = 600) byte[] rest,
                                                                @ForAll("chunkSizes") List<Integer> chunkSizes) {
        check(TestBytes.concat(new byte[]{0x05}, rest), chunkSizes);
    }

    @Property
    void mutatedRequests_getTheProtocolsAnswerOrNothing(@ForAll("valid") byte[] valid,
                                                        @ForAll("mutations") List<Mutation> mutations,
                                                        @ForAll("chunkSizes") List<Integer> chunkSizes) {
        check(Mutation.applyAll(valid, mutations), chunkSizes);
    }

    private static void check(byte[] stream, List<Integer> chunkSizes) {
        EmbeddedChannel channel = new EmbeddedChannel();
        ProxyConnection connection = new ProxyConnection(channel, CONTEXT);
        channel.pipeline().addLast(ProxyConnection.DETECTOR, new ProtocolDetector(connection))
                .addLast(ProxyConnection.EXCEPTIONS, ProxyExceptionHandler.INSTANCE);
        try (FuzzedChannel fuzzed = new FuzzedChannel(channel, java.io.IOException.class::isInstance)) {
            fuzzed.feed(stream, chunkSizes);
            fuzzed.expireDeadlines(TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS + 1));

            assertThat(fuzzed.isOpen()).as("open after the request deadline").isFalse();
            byte[] answer = fuzzed.written();
            if (answer.length > 0) {
                boolean socks = answer[0] == 0x05;
                boolean http = new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 ");
                assertThat(socks || http).as("answer %s", TestBytes.class.getSimpleName()).isTrue();
                if (http) {
                    assertThat(new String(answer, StandardCharsets.ISO_8859_1))
                            .containsPattern("^HTTP/1\\.1 [45]\\d\\d ").contains("Content-Type: application/json")
                            .contains("\"error\":");
                }
            }
        }
    }

    static ProxyServer.Context context(Consumer<OpenRequest> opener) {
        BackendAuthenticator auth = new BackendAuthenticator() {
            @Override
            public Optional<String> authenticate(String name, String token) {
                return NAME.equals(name) && TOKEN.equals(token) ? Optional.of(name) : Optional.empty();
            }

            @Override
            public Optional<String> authenticateBearer(String token) {
                return Optional.empty();
            }
        };
        StreamService streams = new StreamService(null, Runnable::run, new ApplianceMetrics(),
                new StreamService.Options(64 * 1024, 16 * 1024, 16, Duration.ofSeconds(1), false, false, Map.of(),
                        1000, new io.netty.channel.WriteBufferWaterMark(32 * 1024, 64 * 1024)));
        return new ProxyServer.Context(streams, auth, Runnable::run, TIMEOUT_MILLIS, SourceNetworks.parse(""), opener,
                io.connmgr.appliance.auth.BackendGuard.unguarded("proxy"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Provide
    Arbitrary<byte[]> valid() {
        return Arbitraries.of(VALID);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.arbitrary(VALID);
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 4096))
                .list().ofMinSize(1).ofMaxSize(10);
    }
}
