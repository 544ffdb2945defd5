package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The appliance in its own process, started as bin/cm starts it, that can be restarted on the same data dir and
 * ports: the fleet key, admin token and ports are chosen once, so the devices' tokens stay valid and they find it
 * where it was.
 */
final class ApplianceTarget implements StormTarget {
    /** Longest wait for a SIGTERM'd appliance to drain and exit before it is killed. */
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    private final Path repoRoot;
    private final Path dataDir;
    private final List<String> jvmOptions;
    private final List<String> args;
    private final int devicePort;
    private final AdminClient admin;
    private final Duration readyTimeout;
    private volatile ModuleProcess process;

    private ApplianceTarget(Path repoRoot, Path dataDir, List<String> jvmOptions, List<String> args, int devicePort,
                            AdminClient admin, Duration readyTimeout) {
        this.repoRoot = repoRoot;
        this.dataDir = dataDir;
        this.jvmOptions = jvmOptions;
        this.args = args;
        this.devicePort = devicePort;
        this.admin = admin;
        this.readyTimeout = readyTimeout;
    }

    static ApplianceTarget start(Path repoRoot, Path dataDir, List<String> jvmOptions, List<String> flags,
                                 Duration readyTimeout) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        Files.writeString(dataDir.resolve("fleet.key"), HexFormat.of().formatHex(key) + "\n",
                StandardCharsets.US_ASCII);
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
        ApplianceTarget a = new ApplianceTarget(repoRoot, dataDir, List.copyOf(jvmOptions), List.copyOf(args),
                devicePort, new AdminClient(adminPort, token), readyTimeout);
        a.launch();
        return a;
    }

    private void launch() throws IOException, InterruptedException {
        process = ModuleProcess.start(repoRoot, "appliance", "io.connmgr.appliance.ApplianceMain", jvmOptions, args,
                dataDir.resolve("appliance.log"));
        long end = System.nanoTime() + readyTimeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("appliance exited; see " + process.log());
            }
            try {
                admin.stats();
                return;
            } catch (IOException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IOException("appliance not answering its admin API within " + readyTimeout, last);
    }

    @Override
    public String name() {
        return "appliance";
    }

    @Override
    public LiveWorkers.Protocol protocol() {
        return LiveWorkers.Protocol.CONNMGR;
    }

    @Override
    public int port() {
        return devicePort;
    }

    @Override
    public Path fleetKeyFile() {
        return dataDir.resolve("fleet.key");
    }

    @Override
    public long pid() {
        return process.pid();
    }

    AdminClient admin() {
        return admin;
    }

    @Override
    public void restart(boolean kill) throws IOException, InterruptedException {
        ModuleProcess old = process;
        ProcessHandle.of(old.pid()).ifPresent(h -> {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
            try {
                h.onExit().get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                h.destroyForcibly();
            }
        });
        old.close();
        launch();
    }

    @Override
    public boolean countsConnections() {
        return true;
    }

    @Override
    public long serverConnections() {
        try {
            return admin.stats().total();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public Map<String, Number> serverColumns() {
        Map<String, Number> m = new LinkedHashMap<>();
        try {
            AdminClient.Stats s = admin.stats();
            m.put("active", s.active());
            m.put("idle", s.idle());
            m.put("sleep", s.sleep());
            m.put("server_connections", s.total());
        } catch (IOException e) {
            // restarting: the gap shows in the series
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    @Override
    public void close() {
        ModuleProcess p = process;
        if (p != null) {
            p.close();
        }
    }
}
