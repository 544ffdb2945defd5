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
        subcommands = {DeviceCli.Add.class, DeviceCli.ListDevices.class, DeviceCli.FleetToken.class})
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

    private static ApplianceStore openStore(Path dataDir) {
        return RocksDbStore.open(dataDir.resolve("store"), StoreOptions.defaults(), new SimpleMeterRegistry());
    }

    private static String adminToken(Path dataDir) throws IOException {
        Path file = dataDir.resolve(SecretFiles.ADMIN_TOKEN);
        if (!Files.exists(file)) {
            throw new ConnectException("no admin token");
        }
        return Files.readString(file).trim();
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }
}
