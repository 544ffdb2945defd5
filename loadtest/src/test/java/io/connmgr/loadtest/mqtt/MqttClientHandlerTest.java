package io.connmgr.loadtest.mqtt;

import io.connmgr.loadtest.launch.Mosquitto;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** Netty's MQTT codec driven by the client session, round trips against a real mosquitto. */
class MqttClientHandlerTest {
    @TempDir
    Path dir;
    private Mosquitto broker;
    private EventLoopGroup group;

    private final AtomicInteger connacks = new AtomicInteger();
    private final AtomicInteger pongs = new AtomicInteger();
    private final AtomicReference<MqttConnectReturnCode> refused = new AtomicReference<>();

    @BeforeEach
    void startBroker() throws Exception {
        assumeThat(Mosquitto.find()).as("mosquitto installed").isPresent();
        broker = Mosquitto.start(dir, Duration.ofSeconds(20));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
    }

    private Channel connect(String clientId, int keepAliveSeconds) throws InterruptedException {
        MqttClientHandler.Listener listener = new MqttClientHandler.Listener() {
            @Override
            public void connected(Channel channel, boolean sessionPresent) {
                connacks.incrementAndGet();
            }

            @Override
            public void refused(Channel channel, MqttConnectReturnCode code) {
                refused.set(code);
            }

            @Override
            public void pong(Channel channel) {
                pongs.incrementAndGet();
            }
        };
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        MqttClientHandler.install(ch.pipeline(), clientId, keepAliveSeconds, listener);
                    }
                }).connect("127.0.0.1", broker.port()).sync().channel();
    }

    @Test
    void connectIsAcceptedAndEveryPingreqIsAnswered() throws Exception {
        Channel ch = connect("device-1", 30);
        await().atMost(Duration.ofSeconds(10)).until(() -> connacks.get() == 1);
        assertThat(refused.get()).isNull();
        for (int i = 0; i < 5; i++) {
            MqttClientHandler.ping(ch);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pongs.get() == 5);
        assertThat(ch.isActive()).isTrue();
        ch.close().sync();
    }

    @Test
    void theBrokerHoldsUsToTheKeepAliveWeSent() throws Exception {
        // MQTT 3.1.1 3.1.2.10: a client silent for 1.5 keep-alives is disconnected; 1 s means gone within seconds.
        Channel silent = connect("silent", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> connacks.get() == 1);
        // mosquitto checks keep-alives every few seconds, so the close comes some seconds after the 1.5 s.
        await().atMost(Duration.ofSeconds(25)).until(() -> !silent.isActive());
    }

    @Test
    void aClientThatPingsAtItsKeepAliveStaysConnected() throws Exception {
        Channel ch = connect("pinging", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> connacks.get() == 1);
        ch.eventLoop().scheduleAtFixedRate(() -> MqttClientHandler.ping(ch), 300, 300, TimeUnit.MILLISECONDS);
        // Well past 1.5 keep-alives, still up, and answered all along.
        await().atMost(Duration.ofSeconds(10)).until(() -> pongs.get() >= 10);
        assertThat(ch.isActive()).isTrue();
        ch.close().sync();
    }
}
