package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The examples in docs/admin-api.md use curl; this checks that a real curl gets what the docs promise. */
class AdminCurlTest {
    private static final File CURL = new File("/usr/bin/curl");

    @Test
    void curl_readsStatsAndProvisionsADevice() throws Exception {
        assumeTrue(CURL.canExecute(), "curl not installed");
        try (RunningAdminServer admin = new RunningAdminServer(
                new InMemoryDeviceDirectory().add("dev-a", Tier.ACTIVE))) {
            String base = "http://127.0.0.1:" + admin.port();
            String auth = "Authorization: Bearer " + RunningAdminServer.TOKEN;

            String stats = curl("-sS", "--fail-with-body", "-H", auth, base + "/v1/stats");
            String provisioned = curl("-sS", "--fail-with-body", "-H", auth, "-H", "Content-Type: application/json",
                    "-d", "{\"device_id\":\"curl-device\"}", base + "/v1/devices");
            String status = curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", base + "/v1/stats");

            assertThat(Json.parse(stats).get("active").asInt()).isEqualTo(1);
            assertThat(Json.parse(provisioned).get("device_id").asText()).isEqualTo("curl-device");
            assertThat(Json.parse(provisioned).get("token").asText()).isNotBlank();
            assertThat(status).isEqualTo("401");
        }
    }

    private static String curl(String... args) throws Exception {
        String[] command = new String[args.length + 3];
        command[0] = CURL.getPath();
        command[1] = "--max-time";
        command[2] = "10";
        System.arraycopy(args, 0, command, 3, args.length);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("curl exit code; output: %s", output).isZero();
        return output;
    }
}
