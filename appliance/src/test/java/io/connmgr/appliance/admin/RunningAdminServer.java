package io.connmgr.appliance.admin;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** An admin server on a loopback ephemeral port, one event loop thread, and an HTTP/1.1 client pointed at it. */
final class RunningAdminServer implements AutoCloseable {
    static final String TOKEN = "test-admin-token-0123456789";

    final InMemoryDeviceDirectory directory;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AdminServer server;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    RunningAdminServer(InMemoryDeviceDirectory directory) {
        this(directory, options());
    }

    RunningAdminServer(InMemoryDeviceDirectory directory, AdminOptions options) {
        this.directory = directory;
        this.server = new AdminServer(options, directory, registry, group, NioServerSocketChannel.class);
        try {
            server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static AdminOptions options() {
        return new AdminOptions("127.0.0.1", 0, TOKEN, 64 * 1024);
    }

    int port() {
        return server.port();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
    }

    HttpRequest.Builder authorized(String pathAndQuery) {
        return request(pathAndQuery).header("Authorization", "Bearer " + TOKEN);
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String pathAndQuery) {
        return send(authorized(pathAndQuery).GET());
    }

    HttpResponse<String> post(String path, String json) {
        return send(authorized(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> delete(String path) {
        return send(authorized(path).DELETE());
    }

    /** How many responses the request counter recorded for this status and route. */
    double counted(int status, String route) {
        var counter = registry.find(AdminRequestMetrics.NAME).tag("status", Integer.toString(status))
                .tag("route", route).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        client.close();
        registry.close();
    }
}
