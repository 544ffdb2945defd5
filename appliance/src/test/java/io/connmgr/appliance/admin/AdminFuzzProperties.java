package io.connmgr.appliance.admin;

import io.connmgr.appliance.fuzz.FuzzedChannel;
import io.connmgr.appliance.session.Tier;
import io.connmgr.protocol.codec.LeakWatch;
import io.connmgr.protocol.codec.Mutation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API's request path (HTTP codec, keep-alive, bounded aggregator, request deadline, bearer auth, router,
 * percent-decoding, JSON bodies) fed random and damaged requests split at random boundaries. Whatever arrives: nothing
 * escapes to the last stage, nothing leaks, no answer is a 500 (an internal error is a bug in input handling), every
 * error answer carries a JSON body, and the connection is closed once the request deadline has passed.
 * Tries: jqwik's default (1000 per property); {@code -Djqwik.tries.default=1000000} by hand.
 */
class AdminFuzzProperties {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final String AUTH = "Authorization: Bearer " + RunningAdminServer.TOKEN + "\r\n";
    private static final AdminChannelInitializer INITIALIZER = initializer();
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) [^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n");

    static final List<byte[]> VALID = List.of(
            ascii("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"),
            ascii("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/stats HTTP/1.1\r\n" + AUTH + "\r\n"),
            ascii("GET /v1/devices/dev-42 HTTP/1.1\r\n" + AUTH + "\r\n"),
            ascii("GET /v1/devices/d%C3%A9v%FF%2F..%00 HTTP/1.1\r\n" + AUTH + "\r\n"),
            ascii("GET /v1/devices?limit=10&cursor=%FF&tier=IDLE HTTP/1.1\r\n" + AUTH + "\r\n"),
            ascii("POST /v1/devices HTTP/1.1\r\n" + AUTH + "Content-Type: application/json\r\nContent-Length: 22\r\n\r\n"
                    + "{\"device_id\":\"dev-77\"}"),
            ascii("POST /v1/devices/dev-42/tier HTTP/1.1\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\n"
                    + "10\r\n{\"tier\":\"ACTIVE\"\r\n1\r\n}\r\n0\r\n\r\n"),
            ascii("POST /v1/devices/dev-42/tier HTTP/1.1\r\n" + AUTH + "Expect: 100-continue\r\nContent-Length: 15\r\n\r\n"
                    + "{\"tier\":\"IDLE\"}"),
            ascii("DELETE /v1/devices/dev-42/connection HTTP/1.1\r\n" + AUTH + "Connection: close\r\n\r\n"));

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
    void randomBytes_neverBreakTheApi(@ForAll @Size(max = 2048) byte[] stream,
                                      @ForAll("chunkSizes") List<Integer> chunkSizes) {
        check(stream, chunkSizes);
    }

    @Property
    void mutatedRequests_neverBreakTheApi(@ForAll("valid") byte[] valid,
                                          @ForAll("mutations") List<Mutation> mutations,
                                          @ForAll("chunkSizes") List<Integer> chunkSizes) {
        check(Mutation.applyAll(valid, mutations), chunkSizes);
    }

    private static void check(byte[] stream, List<Integer> chunkSizes) {
        try (FuzzedChannel fuzzed = new FuzzedChannel(new EmbeddedChannel(INITIALIZER),
                // what AdminExceptionHandler logs at debug: the peer's (or the deadline's) close, mid-request
                e -> e instanceof java.io.IOException || e instanceof PrematureChannelClosureException)) {
            fuzzed.feed(stream, chunkSizes);
            fuzzed.expireDeadlines(TIMEOUT.toNanos() + 1);

            assertThat(fuzzed.isOpen()).as("open after the request deadline").isFalse();
            String answer = new String(fuzzed.written(), StandardCharsets.ISO_8859_1);
            if (!answer.isEmpty()) {
                assertThat(answer).startsWith("HTTP/1.1 ");
            }
            Matcher m = STATUS_LINE.matcher(answer);
            while (m.find()) {
                int status = Integer.parseInt(m.group(1));
                assertThat(status).as("status of an answer to hostile input\n%s", answer).isNotEqualTo(500);
                if (status >= 400) {
                    assertThat(m.group(2).toLowerCase(java.util.Locale.ROOT))
                            .as("error answer carries JSON\n%s", answer).contains("content-type: application/json");
                }
            }
        }
    }

    private static AdminChannelInitializer initializer() {
        AdminOptions options = new AdminOptions("127.0.0.1", 0, RunningAdminServer.TOKEN, 4096)
                .withRequestTimeout(TIMEOUT);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InMemoryDeviceDirectory directory = new InMemoryDeviceDirectory().add("dev-42", Tier.ACTIVE);
        Router router = AdminRoutes.create(options, directory, registry);
        return new AdminChannelInitializer(router, new BearerAuth(options.adminToken()), Runnable::run,
                new ResponseWriter(new AdminRequestMetrics(registry)), options.maxRequestBytes(),
                options.requestTimeout(), new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
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
