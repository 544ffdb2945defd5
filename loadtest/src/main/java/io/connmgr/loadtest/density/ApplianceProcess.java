package io.connmgr.loadtest.density;

import io.connmgr.loadtest.launch.ModuleProcess;
import io.connmgr.loadtest.probe.AdminClient;

import java.io.IOException;
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
 * A fresh appliance in its own process, started the way bin/cm starts it, in a scratch data dir on free loopback
 * ports. The secrets are written before start so the benchmark knows them without reading the appliance's files.
 */
public final class ApplianceProcess implements AutoCloseable {
    private final ModuleProcess process;
    private final Path dataDir;
    private final int devicePort;
    private final AdminClient admin;

    private ApplianceProcess(ModuleProcess process, Path dataDir, int devicePort, AdminClient admin) {
        this.process = process;
        this.dataDir = dataDir;
        this.devicePort = devicePort;
        this.admin = admin;
    }

    public static ApplianceProcess start(Path repoRoot, Path dataDir, List<String> jvmOptions, List<String> flags,
                                         Duration readyTimeout) throws IOException, InterruptedException {
        ApplianceProcess a = launch(repoRoot, dataDir, jvmOptions, flags);
        a.awaitReady(readyTimeout);
        return a;
    }

    /**
     * Starts the process without waiting for it: its ports and secrets are known at once, so fleet workers can start
     * while it does; {@link #awaitReady} before using it.
     */
    public static ApplianceProcess launch(Path repoRoot, Path dataDir, List<String> jvmOptions, List<String> flags)
            throws IOException {
        Files.createDirectories(dataDir);
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        Files.writeString(dataDir.resolve("fleet.key"), HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII);
        byte[] tokenBytes = new byte[32];
        random.nextBytes(tokenBytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(tokenBytes);
        Files.writeString(dataDir.resolve("admin.token"), token + "\n", StandardCharsets.US_ASCII);

        int devicePort = ModuleProcess.freePort();
        int adminPort = ModuleProcess.freePort();
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1",
                "--admin-bind-address", "127.0.0.1", "--device-port", Integer.toString(devicePort),
                "--admin-port", Integer.toString(adminPort), "--proxy-port", "0", "--control-port=-1"));
        args.addAll(flags);
        ModuleProcess p = ModuleProcess.start(repoRoot, "appliance", "io.connmgr.appliance.ApplianceMain", jvmOptions,
                args, dataDir.resolve("appliance.log"));
        return new ApplianceProcess(p, dataDir, devicePort, new AdminClient(adminPort, token));
    }

    /** Waits until the admin API answers; fails early if the process exits. */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("appliance exited; see " + dataDir.resolve("appliance.log"));
            }
            try {
                admin.stats();
                return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IOException("appliance not answering its admin API within " + timeout, last);
    }

    public long pid() {
        return process.pid();
    }

    public int devicePort() {
        return devicePort;
    }

    public AdminClient admin() {
        return admin;
    }

    public Path fleetKeyFile() {
        return dataDir.resolve("fleet.key");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM (the appliance drains), then SIGKILL if it is still there after the drain deadline. */
    @Override
    public void close() {
        process.close();
    }
}
