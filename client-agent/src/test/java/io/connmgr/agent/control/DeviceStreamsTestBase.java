package io.connmgr.agent.control;

import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.agent.fake.FakeAppliance.Stream;
import io.connmgr.agent.fake.LocalService;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fixture of the stream and feature tests: a fake appliance offering every capability, and clients and local
 * services that are closed after each test.
 */
abstract class DeviceStreamsTestBase {
    static final int ALL = Capabilities.CM_COMMANDS | Capabilities.STREAMS | Capabilities.RPC
            | Capabilities.DATA_CONNECTIONS | Capabilities.CONNECT_REQUESTS | Capabilities.DEVICE_LINKS;

    final List<AutoCloseable> closeables = new ArrayList<>();
    FakeAppliance appliance;

    @BeforeEach
    void startAppliance() {
        appliance = new FakeAppliance();
        appliance.capabilities = ALL;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        appliance.close();
    }

    /** The transport of the client; the stream tests run once per transport. */
    Transport transport() {
        return Transport.best();
    }

    DeviceClient.Builder client() {
        return DeviceClient.builder()
                .transport(transport())
                .appliance("127.0.0.1", appliance.port())
                .deviceId("dev-1")
                .token("t0k")
                .random(new SplittableRandom(7))
                .reconnectPolicy(new ReconnectPolicy(Duration.ofMillis(50), Duration.ofSeconds(1),
                        Duration.ofSeconds(30)));
    }

    DeviceClient connected(DeviceClient.Builder builder) {
        DeviceClient client = builder.build();
        closeables.add(client);
        client.start();
        await().until(() -> client.state() == ConnectionState.CONNECTED);
        return client;
    }

    <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    static Exposure exposed(int port, LocalService service) {
        return new Exposure(port, "127.0.0.1", service.port());
    }

    static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + (i >> 8));
        }
        return b;
    }

}
