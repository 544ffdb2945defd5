package io.connmgr.appliance.it;

import io.connmgr.appliance.Appliance;
import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.FleetTokens;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.config.ConfigLoader;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.protocol.message.Msg;

import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.MessageStore;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Starts a real appliance on ephemeral ports in a temp dir, with timers short enough for tests. */
final class ApplianceHarness implements AutoCloseable {
    final Path dataDir;
    final Map<String, String> flags;
    final List<Msg> uplinks = new CopyOnWriteArrayList<>();
    final List<String> uplinkDevices = new CopyOnWriteArrayList<>();
    Appliance appliance;
    TimeSource time = TimeSource.SYSTEM;
    BackendAuthenticator backends;
    UnaryOperator<MessageStore> messageStore = UnaryOperator.identity();
    /** Wraps the store the connection manager keeps sessions in. */
    UnaryOperator<ApplianceStore> sessionStore = UnaryOperator.identity();
    private final HttpClient http = HttpClient.newHttpClient();

    ApplianceHarness(Path dataDir, String... overrides) {
        this.dataDir = dataDir;
        flags = new HashMap<>(Map.of(
                "data-dir", dataDir.toString(),
                "bind-address", "127.0.0.1",
                "admin-bind-address", "127.0.0.1",
                "device-port", "0",
                "admin-port", "0",
                "proxy-bind-address", "127.0.0.1",
                "proxy-port", "0",
                "io-threads", "2",
                "sweep-interval", "20ms",
                "drain-deadline", "5s"));
        // Loopback is trusted by default; tests see the proxy as a remote back-end would, unless they say otherwise.
        flags.put("proxy-trusted-sources", "");
        flags.put("control-port", "0");
        for (int i = 0; i < overrides.length; i += 2) {
            flags.put(overrides[i], overrides[i + 1]);
        }
    }

    /** Back-end credentials the proxy accepts. */
    ApplianceHarness withBackends(BackendAuthenticator backends) {
        this.backends = backends;
        return this;
    }

    /** Tier timers read this clock instead of the system's. */
    ApplianceHarness withTime(TimeSource time) {
        this.time = time;
        return this;
    }

    ApplianceHarness start() throws InterruptedException {
        ApplianceConfig config = ConfigLoader.load(null, flags);
        Appliance a = new Appliance(config, new ApplianceMetrics(), time, (id, msg) -> {
            uplinkDevices.add(id);
            uplinks.add(msg);
        }).withMessageStore(messageStore).withSessionStore(sessionStore);
        if (backends != null) {
            a.backendAuthenticator(backends);
        }
        appliance = a.start();
        return this;
    }

    /** A restart on the same data dir keeps the ports it had, so devices can come back to them. */
    ApplianceHarness restart() throws InterruptedException {
        int devicePort = appliance.devicePort();
        appliance.close();
        flags.put("device-port", Integer.toString(devicePort));
        return start();
    }

    int devicePort() {
        return appliance.devicePort();
    }

    /** A device that has completed its handshake with a fleet token. */
    TestDevice connect(String deviceId) throws java.io.IOException {
        TestDevice d = new TestDevice(devicePort());
        d.connect(deviceId, fleetToken(deviceId));
        return d;
    }

    String fleetToken(String deviceId) {
        return new FleetTokens(SecretFiles.fleetKey(dataDir)).mint(deviceId);
    }

    Tier tierOf(String deviceId) {
        return appliance.manager().tierOf(deviceId);
    }

    double counter(String name, String... tags) {
        var c = appliance.metrics().registry().find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        var fc = appliance.metrics().registry().find(name).tags(tags).functionCounter();
        return fc == null ? 0 : fc.count();
    }

    double gauge(String name, String... tags) {
        var g = appliance.metrics().registry().find(name).tags(tags).gauge();
        return g == null ? 0 : g.value();
    }

    /** Sum of a counter over all its tag values. */
    double total(String name) {
        return appliance.metrics().registry().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appliance.adminPort() + path))
                .header("Authorization", "Bearer " + SecretFiles.adminToken(dataDir))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String adminToken() {
        return SecretFiles.adminToken(dataDir);
    }

    /** Issues a back-end credential through the API and returns its token. */
    String backendToken(String name) throws Exception {
        HttpResponse<String> r = admin("POST", "/v1/backends", "{\"name\":\"" + name + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("creating back-end " + name + ": " + r.statusCode() + " " + r.body());
        }
        return r.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
    }

    /** A request with any bearer token, body and extra headers (name, value, ...). */
    HttpResponse<byte[]> call(String method, String path, String token, byte[] body, String... headers)
            throws Exception {
        return callAsync(method, path, token, body, headers).get();
    }

    CompletableFuture<HttpResponse<byte[]>> callAsync(String method, String path, String token, byte[] body,
                                                      String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appliance.adminPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Override
    public void close() {
        if (appliance != null) {
            appliance.close();
        }
    }
}
