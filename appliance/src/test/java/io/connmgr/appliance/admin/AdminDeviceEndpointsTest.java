package io.connmgr.appliance.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.connmgr.appliance.session.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdminDeviceEndpointsTest {
    private InMemoryDeviceDirectory directory;
    private RunningAdminServer admin;

    @BeforeEach
    void start() {
        directory = new InMemoryDeviceDirectory()
                .add("dev-a", Tier.ACTIVE)
                .add("dev-b", Tier.IDLE)
                .add("dev-c", Tier.SLEEP)
                .add("dev-d", Tier.SLEEP)
                .add("dev-e", Tier.DISCONNECTED);
        admin = new RunningAdminServer(directory);
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void stats_countsEachTier_andTotalIsConnectedOnly() {
        HttpResponse<String> response = admin.get("/v1/stats");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(Json.parse(response.body())).isEqualTo(Json.parse(
                "{\"active\":1,\"idle\":1,\"sleep\":2,\"disconnected\":1,\"total\":4}"));
    }

    @Test
    void device_isShownWithSnakeCaseIsoTimestampsAndMillisecondSettings() {
        HttpResponse<String> response = admin.get("/v1/devices/dev-c");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode device = Json.parse(response.body());
        assertThat(device).isEqualTo(Json.parse("""
                {"device_id":"dev-c","tier":"SLEEP",
                 "tier_since":"2023-11-14T22:13:20Z","last_activity":"2023-11-14T22:15:00Z",
                 "connected_at":"2023-11-14T21:56:40Z","remote_address":"192.0.2.7:40001","provisioned":true,
                 "settings":{"idle_after_ms":60000,"sleep_after_ms":600000,"keep_alive_ms":30000,"always_active":false},
                 "overrides":{"idle_after_ms":null,"sleep_after_ms":120000,"keep_alive_ms":null,"always_active":null},
                 "last_uplink_seq":17,"last_downlink_seq":4}
                """));
    }

    @Test
    void device_neverConnected_hasNullConnectedAt() {
        assertThat(Json.parse(admin.get("/v1/devices/dev-e").body()).get("connected_at").isNull()).isTrue();
    }

    @Test
    void device_unknown_is404() {
        HttpResponse<String> response = admin.get("/v1/devices/nobody");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("unknown_device");
    }

    @Test
    void device_idInPath_isPercentDecoded() {
        directory.add("plant7:sensor+ü", Tier.IDLE);

        HttpResponse<String> response = admin.get("/v1/devices/plant7%3Asensor+%C3%BC");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.parse(response.body()).get("device_id").asText()).isEqualTo("plant7:sensor+ü");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/devices/a%2Fb", "/v1/devices/has%20space", "/v1/devices/ctl%07",
            "/v1/devices/%C3%28"})
    void device_invalidIdInPath_is400(String path) {
        HttpResponse<String> response = admin.get(path);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isIn("invalid_device_id", "bad_request");
    }

    @Test
    void device_idLongerThan128Bytes_is400() {
        HttpResponse<String> response = admin.get("/v1/devices/" + "x".repeat(129));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("invalid_device_id");
    }

    @Test
    void list_pagesThroughAllDevicesInIdOrder() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = Json.parse(admin.get("/v1/devices?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .body());
            page.get("devices").forEach(d -> seen.add(d.get("device_id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(seen).containsExactly("dev-a", "dev-b", "dev-c", "dev-d", "dev-e");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void list_filtersByTier_caseInsensitively() {
        JsonNode page = Json.parse(admin.get("/v1/devices?tier=sleep").body());

        assertThat(page.get("devices")).extracting(d -> d.get("device_id").asText())
                .containsExactly("dev-c", "dev-d");
        assertThat(page.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void list_withoutParameters_usesDefaults() {
        HttpResponse<String> response = admin.get("/v1/devices?tier=&cursor=");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.parse(response.body()).get("devices")).hasSize(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tier=ASLEEP", "limit=0", "limit=1001", "limit=ten", "limit=-1",
            "limit=99999999999", "limit=1&limit=2", "cursor=a%2Fb"})
    void list_badParameters_are400(String query) {
        HttpResponse<String> response = admin.get("/v1/devices?" + query);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("bad_request");
        assertThat(Json.parse(response.body()).get("message").asText()).isNotBlank();
    }

    @Test
    void list_maximumLimitIsAccepted() {
        assertThat(admin.get("/v1/devices?limit=1000").statusCode()).isEqualTo(200);
    }

    @Test
    void tier_accepted_is202() {
        HttpResponse<String> response = admin.post("/v1/devices/dev-a/tier", "{\"tier\":\"SLEEP\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(Json.parse(response.body())).isEqualTo(Json.parse(
                "{\"device_id\":\"dev-a\",\"tier\":\"SLEEP\",\"result\":\"accepted\"}"));
        assertThat(directory.tierRequests()).containsExactly("dev-a->SLEEP");
    }

    @Test
    void tier_already_is200() {
        HttpResponse<String> response = admin.post("/v1/devices/dev-b/tier", "{\"tier\":\"idle\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.parse(response.body()).get("result").asText()).isEqualTo("already");
        assertThat(Json.parse(response.body()).get("tier").asText()).isEqualTo("IDLE");
    }

    @Test
    void tier_notConnected_is409() {
        HttpResponse<String> response = admin.post("/v1/devices/dev-e/tier", "{\"tier\":\"ACTIVE\"}");

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("not_connected");
    }

    @Test
    void tier_unknownDevice_is404() {
        HttpResponse<String> response = admin.post("/v1/devices/ghost/tier", "{\"tier\":\"ACTIVE\"}");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("unknown_device");
    }

    @Test
    void tier_notAllowed_is422() {
        directory.tierResult("dev-a", DeviceDirectory.TierRequestResult.NOT_ALLOWED);

        HttpResponse<String> response = admin.post("/v1/devices/dev-a/tier", "{\"tier\":\"SLEEP\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("not_allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"tier\":\"DISCONNECTED\"}", "{\"tier\":\"NAP\"}", "{\"tier\":7}", "{}",
            "{\"tier\":null}", "{\"tier\":\"SLEEP\",\"force\":true}"})
    void tier_invalidBody_is400WithoutCallingTheDirectory(String body) {
        HttpResponse<String> response = admin.post("/v1/devices/dev-a/tier", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("bad_request");
        assertThat(directory.tierRequests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"tier\":", "not json", "[\"SLEEP\"]", "\"SLEEP\"", "", "{\"tier\":\"SLEEP\"} {}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"})
    void tier_malformedJson_is400BadJsonWithAMessageAndNoStackTrace(String body) {
        HttpResponse<String> response = admin.post("/v1/devices/dev-a/tier", body);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = Json.parse(response.body());
        assertThat(error.get("error").asText()).isEqualTo("bad_json");
        assertThat(error.get("message").asText()).isNotBlank().doesNotContain("at com.").doesNotContain("Exception");
    }

    @Test
    void disconnect_connectedDevice_is204() {
        HttpResponse<String> response = admin.delete("/v1/devices/dev-b/connection");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(directory.device("dev-b")).get().extracting(DeviceView::tier).isEqualTo(Tier.DISCONNECTED);
    }

    @Test
    void disconnect_withoutConnection_is404NotConnected() {
        HttpResponse<String> response = admin.delete("/v1/devices/dev-e/connection");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("not_connected");
    }

    @Test
    void provision_returnsTheTokenOnce_withLocationAndNoStore() {
        HttpResponse<String> response = admin.post("/v1/devices", "{\"device_id\":\"new-device:1\"}");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(Json.parse(response.body())).isEqualTo(Json.parse(
                "{\"device_id\":\"new-device:1\",\"token\":\"secret-token-1\"}"));
        assertThat(response.headers().firstValue("location")).hasValue("/v1/devices/new-device%3A1");
        assertThat(response.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(admin.get("/v1/devices/new-device:1").body()).doesNotContain("secret-token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"device_id\":\"has space\"}", "{\"device_id\":\"a/b\"}", "{\"device_id\":\"\"}"})
    void provision_invalidId_is400(String body) {
        HttpResponse<String> response = admin.post("/v1/devices", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("invalid_device_id");
    }

    @Test
    void provision_idLongerThan128Bytes_is400() {
        HttpResponse<String> response = admin.post("/v1/devices", "{\"device_id\":\"" + "é".repeat(65) + "\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("invalid_device_id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"deviceId\":\"x\"}", "{\"device_id\":42}"})
    void provision_missingOrWrongField_is400(String body) {
        HttpResponse<String> response = admin.post("/v1/devices", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("bad_request");
    }

    @Test
    void provision_badJson_is400() {
        HttpResponse<String> response = admin.post("/v1/devices", "{device_id: x}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = Json.parse(response.body());
        assertThat(error.get("error").asText()).isEqualTo("bad_json");
        assertThat(error.get("message").asText()).contains("line 1");
    }

    @Test
    void errorsAreCountedByRouteTemplateNotRawPath() {
        admin.get("/v1/devices/nobody-1");
        admin.get("/v1/devices/nobody-2");
        admin.get("/v1/devices/dev-a");

        assertThat(admin.counted(404, "/v1/devices/{id}")).isEqualTo(2.0);
        assertThat(admin.counted(200, "/v1/devices/{id}")).isEqualTo(1.0);
        assertThat(admin.registry.find(AdminRequestMetrics.NAME).counters())
                .allSatisfy(c -> assertThat(c.getId().getTag("route")).doesNotContain("nobody"));
    }
}
