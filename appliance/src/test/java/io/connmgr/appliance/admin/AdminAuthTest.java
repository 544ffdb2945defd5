package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class AdminAuthTest {
    private InMemoryDeviceDirectory directory;
    private RunningAdminServer admin;

    @BeforeEach
    void start() {
        directory = new InMemoryDeviceDirectory().add("dev-a", Tier.ACTIVE);
        admin = new RunningAdminServer(directory);
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/stats", "/v1/devices", "/v1/devices/dev-a", "/v1/no-such-thing", "/v1"})
    void v1_withoutToken_is401WithBearerChallenge(String path) {
        HttpResponse<String> response = admin.send(admin.request(path).GET());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("www-authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("unauthorized");
        assertThat(Json.parse(response.body()).get("message").asText()).contains("Authorization");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong-token", "Bearer " + RunningAdminServer.TOKEN + "x", "Bearer ",
            "Basic dXNlcjpwYXNz", RunningAdminServer.TOKEN, "Bearer test-admin-token-012345678"})
    void v1_withWrongCredentials_is401(String authorization) {
        HttpResponse<String> response = admin.send(admin.request("/v1/stats").header("Authorization", authorization)
                .GET());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("www-authenticate")).isPresent();
    }

    @Test
    void v1_schemeIsCaseInsensitive() {
        HttpResponse<String> response = admin.send(admin.request("/v1/stats")
                .header("Authorization", "bearer " + RunningAdminServer.TOKEN).GET());

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void mutatingEndpoints_withoutToken_doNothing() {
        HttpResponse<String> tier = admin.send(admin.request("/v1/devices/dev-a/tier")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tier\":\"SLEEP\"}")));
        HttpResponse<String> disconnect = admin.send(admin.request("/v1/devices/dev-a/connection").DELETE());

        assertThat(tier.statusCode()).isEqualTo(401);
        assertThat(disconnect.statusCode()).isEqualTo(401);
        assertThat(directory.tierRequests()).isEmpty();
        assertThat(directory.device("dev-a")).get().extracting(DeviceView::tier).isEqualTo(Tier.ACTIVE);
    }

    @Test
    void refusalsAreCounted() {
        admin.send(admin.request("/v1/stats").GET());

        assertThat(admin.counted(401, "/v1/stats")).isEqualTo(1.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/readyz", "/metrics"})
    void probesAndMetrics_needNoToken(String path) {
        assertThat(admin.send(admin.request(path).GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void metrics_canRequireTheToken() {
        try (RunningAdminServer guarded = new RunningAdminServer(new InMemoryDeviceDirectory(),
                RunningAdminServer.options().withMetricsRequireAuth(true))) {
            assertThat(guarded.send(guarded.request("/metrics").GET()).statusCode()).isEqualTo(401);
            assertThat(guarded.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(guarded.send(guarded.request("/healthz").GET()).statusCode()).isEqualTo(200);
        }
    }
}
