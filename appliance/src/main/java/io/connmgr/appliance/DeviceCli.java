package io.connmgr.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connmgr.appliance.auth.FleetTokens;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreOptions;
import io.connmgr.appliance.store.rocksdb.RocksDbStore;
import io.connmgr.protocol.codec.DeviceIds;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bin/cm device …}: provisions devices. Talks to the running appliance's admin API when there is one (the
 * store is locked while it runs) and opens the store directly when there is not.
 */
@Command(name = "cm device", mixinStandardHelpOptions = true,
        description = "Provision devices and mint their tokens.",
        subcommands = {DeviceCli.Add.class, DeviceCli.ListDevices.class, DeviceCli.FleetToken.class,
                DeviceCli.Revoke.class, DeviceCli.RotateFleetKey.class})
public final class DeviceCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new DeviceCli()).execute(args));
    }

    static class Common {
        @Option(names = "--data-dir", defaultValue = "./data", description = "Appliance data dir (default ./data).")
        Path dataDir;

        @Option(names = "--admin", defaultValue = "http://127.0.0.1:7790",
                description = "Admin API of a running appliance (default ${DEFAULT-VALUE}).")
        URI admin;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Provision a device (or re-key it) and print its token. The token is shown only once.")
    static final class Add extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "Device id: 1..128 bytes of UTF-8, no spaces or slashes.")
        String deviceId;

        @Override
        public Integer call() throws Exception {
            if (!DeviceIds.isValid(deviceId)) {
                System.err.println("cm device add: invalid device id '" + deviceId
                        + "' (1..128 bytes of UTF-8, no whitespace, control characters or slashes)");
                return 2;
            }
            String token;
            try {
                token = viaAdminApi(this);
            } catch (ConnectException appliancenotRunning) {
                try (ApplianceStore store = openStore(dataDir)) {
                    token = DeviceDirectoryService.provision(store, deviceId);
                } catch (StoreException e) {
                    System.err.println("cm device add: " + e.getMessage());
                    return 1;
                }
            }
            System.out.println(token);
            return 0;
        }

        private String viaAdminApi(Common c) throws IOException, InterruptedException {
            String body = new ObjectMapper().createObjectNode().put("device_id", deviceId).toString();
            HttpResponse<String> response = http().send(HttpRequest.newBuilder(c.admin.resolve("/v1/devices"))
                    .header("Authorization", "Bearer " + adminToken(c.dataDir))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = new ObjectMapper().readTree(response.body());
            if (response.statusCode() != 201) {
                throw new IllegalStateException("admin API answered " + response.statusCode() + ": "
                        + json.path("message").asText(response.body()));
            }
            return json.path("token").asText();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List provisioned devices (offline).")
    static final class ListDevices extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            try (ApplianceStore store = openStore(dataDir)) {
                String cursor = null;
                while (true) {
                    List<DeviceRecord> page = store.listDevices(cursor, 1000);
                    if (page.isEmpty()) {
                        return 0;
                    }
                    page.forEach(d -> System.out.println(d.deviceId()));
                    cursor = page.getLast().deviceId();
                }
            } catch (StoreException e) {
                System.err.println("cm device list: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "fleet-token", mixinStandardHelpOptions = true,
            description = "Print the fleet-signed token of a device id: no provisioning needed.")
    static final class FleetToken extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String deviceId;

        @Override
        public Integer call() {
            if (!Files.exists(dataDir.resolve(SecretFiles.FLEET_KEY))) {
                System.err.println("cm device fleet-token: no " + SecretFiles.FLEET_KEY + " in " + dataDir
                        + "; start the appliance once to generate it");
                return 1;
            }
            System.out.println(new FleetTokens(SecretFiles.fleetKey(dataDir)).mint(deviceId));
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a device's credentials (its own token and fleet-signed ones): its live connection "
                    + "ends with GOAWAY REVOKED and later HELLOs get REJECT REVOKED until it is added again. Needs the "
                    + "running appliance.")
    static final class Revoke extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String deviceId;

        @Override
        public Integer call() throws Exception {
            HttpResponse<String> r = adminPost(this, "/v1/devices/"
                    + java.net.URLEncoder.encode(deviceId, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20") + "/revoke", "");
            if (r.statusCode() != 200) {
                System.err.println("cm device revoke: admin API answered " + r.statusCode() + ": " + r.body());
                return 1;
            }
            boolean ended = new ObjectMapper().readTree(r.body()).path("connection_ended").asBoolean();
            System.out.println("revoked " + deviceId + (ended ? "; its connection was ended" : "; it had no connection"));
            return 0;
        }
    }

    @Command(name = "rotate-fleet-key", mixinStandardHelpOptions = true,
            description = "Replace the fleet key. Tokens of the old key keep working for the overlap window, then "
                    + "only the new key's. Uses the running appliance's admin API, or the data dir when it is not "
                    + "running. Prints the new key's fingerprint; the key itself is in fleet.key.")
    static final class RotateFleetKey extends Common implements Callable<Integer> {
        @Option(names = "--overlap", defaultValue = "24h",
                description = "How long the old key still verifies tokens (default ${DEFAULT-VALUE}; 0s = not at all).")
        String overlap;

        @Override
        public Integer call() throws Exception {
            java.util.Optional<Duration> window = io.connmgr.appliance.config.Durations.parse(overlap.strip(), false);
            if (window.isEmpty()) {
                System.err.println("cm device rotate-fleet-key: --overlap must be a duration such as 30m, 24h or 7d");
                return 2;
            }
            String fingerprint;
            String previousExpiresAt;
            try {
                HttpResponse<String> r = adminPost(this, "/v1/admin/fleet-key/rotate",
                        new ObjectMapper().createObjectNode().put("overlap", overlap.strip()).toString());
                JsonNode json = new ObjectMapper().readTree(r.body());
                if (r.statusCode() != 200) {
                    System.err.println("cm device rotate-fleet-key: admin API answered " + r.statusCode() + ": "
                            + json.path("message").asText(r.body()));
                    return 1;
                }
                fingerprint = json.path("fingerprint").asText();
                previousExpiresAt = json.path("previous").path("expires_at").asText();
            } catch (ConnectException applianceNotRunning) {
                if (!Files.exists(dataDir.resolve(SecretFiles.FLEET_KEY))) {
                    System.err.println("cm device rotate-fleet-key: no " + SecretFiles.FLEET_KEY + " in " + dataDir);
                    return 1;
                }
                // Holding the store's lock proves no appliance runs on this data dir (one with its admin API on
                // another address would otherwise keep verifying with the keys it loaded).
                try (ApplianceStore store = openStore(dataDir)) {
                    io.connmgr.appliance.auth.FleetKeys.Rotation r = io.connmgr.appliance.auth.FleetKeys.load(
                            dataDir, io.connmgr.appliance.session.TimeSource.SYSTEM, new SimpleMeterRegistry())
                            .rotate(window.get());
                    fingerprint = r.fingerprint();
                    previousExpiresAt = r.previousExpiresAt().toString();
                } catch (StoreException e) {
                    System.err.println("cm device rotate-fleet-key: the admin API at " + admin + " does not answer and "
                            + "the store cannot be opened (" + e.getMessage() + "); is the appliance running with "
                            + "another --admin address?");
                    return 1;
                }
            }
            System.out.println("fleet key rotated: new key " + fingerprint + " (in " + dataDir.resolve(
                    SecretFiles.FLEET_KEY) + "); the previous key verifies until " + previousExpiresAt);
            return 0;
        }
    }

    private static HttpResponse<String> adminPost(Common c, String path, String body)
            throws IOException, InterruptedException {
        return http().send(HttpRequest.newBuilder(c.admin.resolve(path))
                .header("Authorization", "Bearer " + adminToken(c.dataDir))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ApplianceStore openStore(Path dataDir) {
        return RocksDbStore.open(dataDir.resolve("store"), StoreOptions.defaults(), new SimpleMeterRegistry());
    }

    /**
     * The admin token: {@code CM_ADMIN_TOKEN} when set, else the data dir's {@code admin.token}. An appliance whose
     * {@code admin.token} holds only the token's hash ({@code sha256:...}) needs the environment variable.
     */
    private static String adminToken(Path dataDir) throws IOException {
        String fromEnv = System.getenv("CM_ADMIN_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        Path file = dataDir.resolve(SecretFiles.ADMIN_TOKEN);
        if (!Files.exists(file)) {
            throw new ConnectException("no admin token");
        }
        String token = Files.readString(file).trim();
        if (token.startsWith("sha256:")) {
            throw new IllegalStateException(file + " holds only the admin token's hash; set CM_ADMIN_TOKEN to the "
                    + "token");
        }
        return token;
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }
}
