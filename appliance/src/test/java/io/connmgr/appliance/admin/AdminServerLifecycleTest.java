package io.connmgr.appliance.admin;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminServerLifecycleTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void shutDown() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void start_onATakenPort_failsNamingTheAddress() {
        try (RunningAdminServer first = new RunningAdminServer(new InMemoryDeviceDirectory())) {
            AdminOptions samePort = new AdminOptions("127.0.0.1", first.port(), "t", 1024);
            try (AdminServer second = new AdminServer(samePort, new InMemoryDeviceDirectory(), registry, group,
                    NioServerSocketChannel.class)) {
                assertThatThrownBy(second::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("127.0.0.1:" + first.port())
                        .hasMessageContaining("in use");
            }
        }
    }

    @Test
    void close_stopsListeningAndDropsOpenConnections() throws Exception {
        RunningAdminServer admin = new RunningAdminServer(new InMemoryDeviceDirectory());
        int port = admin.port();
        try (RawHttpConnection open = new RawHttpConnection(port)) {
            open.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(open.readResponse().status()).isEqualTo(200);

            admin.close();

            assertThat(open.closedByServer()).isTrue();
        }
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 2_000))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void port_beforeStart_isRefused() {
        try (AdminServer server = new AdminServer(RunningAdminServer.options(), new InMemoryDeviceDirectory(),
                registry, group, NioServerSocketChannel.class)) {
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void options_areValidated_andNeverPrintTheToken() {
        assertThatThrownBy(() -> new AdminOptions("127.0.0.1", 7790, " ", 1024))
                .hasMessageContaining("token");
        assertThatThrownBy(() -> new AdminOptions("127.0.0.1", 70_000, "t", 1024))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> new AdminOptions("127.0.0.1", 7790, "t", 0))
                .hasMessageContaining("maxRequestBytes");
        assertThatThrownBy(() -> new AdminOptions("127.0.0.1", 7790, "t", 1024).withRequestTimeout(Duration.ZERO))
                .hasMessageContaining("requestTimeout");
        assertThat(new AdminOptions("0.0.0.0", AdminOptions.DEFAULT_PORT, "super-secret", 1024).toString())
                .doesNotContain("super-secret").contains("7790");
    }

    @Test
    void close_withoutStart_isHarmless() throws IOException {
        new AdminServer(RunningAdminServer.options(), new InMemoryDeviceDirectory(), registry, group,
                NioServerSocketChannel.class).close();
    }
}
