package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Unknown paths, wrong methods, oversized and malformed requests, slow clients: answered, counted, survived. */
class AdminHttpRobustnessTest {
    private static final String AUTH = "Authorization: Bearer " + RunningAdminServer.TOKEN + "\r\n";

    private InMemoryDeviceDirectory directory;
    private RunningAdminServer admin;

    @BeforeEach
    void start() {
        directory = new InMemoryDeviceDirectory().add("dev-a", Tier.ACTIVE);
        admin = new RunningAdminServer(directory,
                RunningAdminServer.options().withRequestTimeout(Duration.ofMillis(500)));
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void unknownPath_is404Json() {
        HttpResponse<String> response = admin.send(admin.request("/nope/../etc").GET());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("not_found");
        assertThat(admin.counted(404, "unmatched")).isEqualTo(1.0);
    }

    @Test
    void unknownPathUnderV1_withToken_is404() {
        HttpResponse<String> response = admin.get("/v1/devices/dev-a/firmware");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void wrongMethod_is405WithAllowHeader() {
        HttpResponse<String> response = admin.send(admin.authorized("/v1/devices").PUT(
                HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("GET, POST");
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("method_not_allowed");
        assertThat(admin.counted(405, "/v1/devices")).isEqualTo(1.0);
    }

    @Test
    void wrongMethodOnProbe_is405() {
        HttpResponse<String> response = admin.send(admin.request("/healthz").DELETE());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void oversizedBody_withContentLength_is413Json_andConnectionStaysUsable() throws Exception {
        String body = "{\"device_id\":\"" + "x".repeat(70 * 1024) + "\"}";
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("POST /v1/devices HTTP/1.1\r\nHost: t\r\n" + AUTH + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            RawHttpConnection.Response tooLarge = connection.readResponse();
            connection.send("GET /v1/stats HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n");
            RawHttpConnection.Response next = connection.readResponse();

            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.headers().get("content-type")).isEqualTo("application/json");
            assertThat(Json.parse(tooLarge.body()).get("error").asText()).isEqualTo("payload_too_large");
            assertThat(next.status()).isEqualTo(200);
        }
        assertThat(admin.counted(413, "/v1/devices")).isEqualTo(1.0);
    }

    @Test
    void oversizedBody_viaHttpClient_is413() {
        HttpResponse<String> response = admin.post("/v1/devices", "{\"device_id\":\"" + "y".repeat(65 * 1024) + "\"}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void oversizedChunkedBody_is413AndClosed() throws Exception {
        String chunk = "z".repeat(16 * 1024);
        StringBuilder request = new StringBuilder("POST /v1/devices HTTP/1.1\r\nHost: t\r\n" + AUTH
                + "Transfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 5; i++) {
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        request.append("0\r\n\r\n");
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send(request.toString());
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.headers().get("connection")).isEqualTo("close");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void expectContinue_withOversizedLength_is413Json() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("POST /v1/devices HTTP/1.1\r\nHost: t\r\n" + AUTH + "Expect: 100-continue\r\n"
                    + "Content-Length: 1000000\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("payload_too_large");
        }
    }

    @Test
    void garbageBytes_are400AndTheServerKeepsServing() throws Exception {
        byte[] garbage = new byte[512];
        new Random(42).nextBytes(garbage);
        garbage[garbage.length - 2] = '\r';
        garbage[garbage.length - 1] = '\n';
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send(garbage).send("\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("bad_request");
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(admin.get("/v1/stats").statusCode()).isEqualTo(200);
        assertThat(admin.counted(400, MalformedRequests.ROUTE)).isEqualTo(1.0);
    }

    @Test
    void textThatIsNotHttp_is400() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("HELLO THERE\r\n\r\n");

            assertThat(connection.readResponse().status()).isEqualTo(400);
        }
    }

    @Test
    void oversizedHeaders_are431() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + "h".repeat(10_000) + "\r\n\r\n");

            RawHttpConnection.Response response = connection.readResponse();
            assertThat(response.status()).isEqualTo(431);
            assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("headers_too_large");
        }
    }

    @Test
    void overlongRequestLine_is414() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /v1/devices/" + "u".repeat(5000) + " HTTP/1.1\r\nHost: t\r\n\r\n");

            assertThat(connection.readResponse().status()).isEqualTo(414);
        }
    }

    @Test
    void malformedPercentEscapes_are400() throws Exception {
        for (String path : new String[] {"/v1/devices/bad%zz", "/v1/devices/trunc%4", "/v1/devices?tier=%zz",
                "/v1/devices/caf\u00e9"}) {
            try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
                connection.send(("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                RawHttpConnection.Response response = connection.readResponse();

                assertThat(response.status()).as(path).isEqualTo(400);
                assertThat(Json.parse(response.body()).get("error").asText()).as(path).isEqualTo("bad_request");
            }
        }
    }

    @Test
    void slowClient_withIncompleteRequest_isDisconnected() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n");

            // The socket timeout (10 s) bounds the wait; the server's deadline is 500 ms.
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void idleKeepAliveConnection_isClosedAfterTheDeadline() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(connection.readResponse().status()).isEqualTo(200);

            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void keepAlive_servesManyRequestsOnOneConnection() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            for (int i = 0; i < 5; i++) {
                connection.send("GET /v1/devices/dev-a HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n");
                RawHttpConnection.Response response = connection.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.headers()).doesNotContainKey("connection");
            }
        }
    }

    @Test
    void connectionClose_isHonoured() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

            assertThat(connection.readResponse().status()).isEqualTo(200);
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedRequests_areAnsweredInOrder() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(admin.port())) {
            connection.send("GET /v1/devices/dev-a HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /v1/devices/nobody HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n"
                    + "GET /v1/stats HTTP/1.1\r\nHost: t\r\n" + AUTH + "\r\n");

            assertThat(Json.parse(connection.readResponse().body()).get("device_id").asText()).isEqualTo("dev-a");
            assertThat(Json.parse(connection.readResponse().body()).get("status").asText()).isEqualTo("ok");
            assertThat(connection.readResponse().status()).isEqualTo(404);
            assertThat(Json.parse(connection.readResponse().body()).has("total")).isTrue();
        }
    }

    @Test
    void directoryCalls_runOffTheEventLoop() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        directory.blockLookupsUntil(gate);
        CompletableFuture<HttpResponse<String>> blocked =
                CompletableFuture.supplyAsync(() -> admin.get("/v1/devices/dev-a"));
        assertThat(directory.lookupStarted.await(10, TimeUnit.SECONDS)).isTrue();

        // The server has one event loop thread: these answers prove it is not the one waiting on the directory.
        assertThat(admin.send(admin.request("/healthz").GET()).statusCode()).isEqualTo(200);
        assertThat(admin.get("/v1/stats").statusCode()).isEqualTo(200);
        assertThat(blocked).isNotDone();

        gate.countDown();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void directoryFailure_is500WithoutInternals() {
        DeviceDirectory failing = new InMemoryDeviceDirectory() {
            @Override
            public TierCounts counts() {
                throw new IllegalStateException("store is on fire at /var/lib/secret");
            }
        };
        try (RunningAdminServer broken = new RunningAdminServer((InMemoryDeviceDirectory) failing)) {
            HttpResponse<String> response = broken.get("/v1/stats");

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("internal");
            assertThat(response.body()).doesNotContain("fire").doesNotContain("IllegalState");
            assertThat(broken.get("/healthz").statusCode()).isEqualTo(200);
        }
    }
}
