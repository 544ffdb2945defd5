package io.connmgr.loadtest.backend;

import io.connmgr.loadtest.launch.ModuleProcess;
import io.connmgr.loadtest.probe.AdminClient;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A fresh appliance for the back-end scenarios (wake, messages, soak): its own process, started as bin/cm starts it,
 * in a scratch data dir, every listener on loopback on a free port: devices, admin API, control channel and (when
 * asked) the SOCKS5 proxy. The fleet key and admin token are written before start, and a back-end credential is
 * created through the admin API once it answers.
 */
public final class ApplianceUnderTest implements AutoCloseable {
    private final ModuleProcess process;
    private final Path dataDir;
    private final int devicePort;
    private final int controlPort;
    private final int proxyPort;
    private final byte[] fleetKey;
    private final AdminClient admin;
    private final String backendName;
    private final String backendToken;

    private ApplianceUnderTest(ModuleProcess process, Path dataDir, int devicePort, int controlPort, int proxyPort,
                               byte[] fleetKey, AdminClient admin, String backendName, String backendToken) {
        this.process = process;
        this.dataDir = dataDir;
        this.devicePort = devicePort;
        this.controlPort = controlPort;
        this.proxyPort = proxyPort;
        this.fleetKey = fleetKey;
        this.admin = admin;
        this.backendName = backendName;
        this.backendToken = backendToken;
    }

    /**
     * @param proxy whether to run the SOCKS5 proxy (on a free loopback port, loopback trusted)
     * @param flags further appliance flags ({@code --idle-after 1s}, ...); each setting may appear only once
     */
    public static ApplianceUnderTest start(Path repoRoot, Path dataDir, boolean proxy, List<String> jvmOptions,
                                           List<String> flags, Duration readyTimeout)
            throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        Files.writeString(dataDir.resolve("fleet.key"), HexFormat.of().formatHex(key) + "\n",
                StandardCharsets.US_ASCII);
        byte[] tokenBytes = new byte[32];
        random.nextBytes(tokenBytes);
        String adminToken = Base64.getUrlEncoder().withoutPadding().encodeToString(tokenBytes);
        Files.writeString(dataDir.resolve("admin.token"), adminToken + "\n", StandardCharsets.US_ASCII);

        int devicePort = ModuleProcess.freePort();
        int adminPort = ModuleProcess.freePort();
        int controlPort = ModuleProcess.freePort();
        int proxyPort = proxy ? ModuleProcess.freePort() : -1;
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(),
                "--bind-address", "127.0.0.1", "--device-port", "" + devicePort,
                "--admin-bind-address", "127.0.0.1", "--admin-port", "" + adminPort,
                "--control-bind-address", "127.0.0.1", "--control-port", "" + controlPort));
        if (proxy) {
            args.addAll(List.of("--proxy-bind-address", "127.0.0.1", "--proxy-port", "" + proxyPort,
                    "--proxy-trusted-sources", "127.0.0.0/8"));
        } else {
            args.addAll(List.of("--proxy-enabled", "false"));
        }
        args.addAll(flags);
        ModuleProcess p = ModuleProcess.start(repoRoot, "appliance", "io.connmgr.appliance.ApplianceMain", jvmOptions,
                args, dataDir.resolve("appliance.log"));
        try {
            AdminClient admin = new AdminClient(adminPort, adminToken);
            awaitAdmin(p, admin, readyTimeout);
            String name = "loadtest";
            String backendToken = createBackend(adminPort, adminToken, name);
            return new ApplianceUnderTest(p, dataDir, devicePort, controlPort, proxyPort, key, admin, name,
                    backendToken);
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private static void awaitAdmin(ModuleProcess p, AdminClient admin, Duration timeout)
            throws IOException, InterruptedException {
        try {
            Waits.until("the admin API", timeout, p::isAlive, p.log(), () -> {
                try {
                    admin.stats();
                    return true;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static String createBackend(int adminPort, String adminToken, String name)
            throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + adminPort + "/v1/backends"))
                        .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("creating the back-end credential: " + r.statusCode() + " " + r.body());
        }
        return r.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return process.log();
    }

    public Path dataDir() {
        return dataDir;
    }

    public int devicePort() {
        return devicePort;
    }

    public int controlPort() {
        return controlPort;
    }

    /** The SOCKS5 / HTTP CONNECT port; -1 without the proxy. */
    public int proxyPort() {
        return proxyPort;
    }

    public byte[] fleetKey() {
        return fleetKey.clone();
    }

    public AdminClient admin() {
        return admin;
    }

    public String backendName() {
        return backendName;
    }

    public String backendToken() {
        return backendToken;
    }

    /** SIGTERM (the appliance drains), then SIGKILL if it is still there after a grace period. */
    @Override
    public void close() {
        process.close();
    }
}
