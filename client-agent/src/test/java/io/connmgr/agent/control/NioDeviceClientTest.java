package io.connmgr.agent.control;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket tests on the NIO transport (what the client uses where epoll is not available). */
class NioDeviceClientTest extends DeviceClientSocketTest {
    @Override
    Transport transport() {
        return Transport.NIO;
    }

    @Test
    void suppliedGroup_carriesTheClient_andOutlivesIt() {
        EventLoopGroup shared = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            DeviceClient client = connected(client().eventLoopGroup(shared));
            assertThat(client.send(bytes("via shared loop"))).succeedsWithin(Duration.ofSeconds(5));

            client.close();

            assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
            assertThat(shared.isShuttingDown()).isFalse();
        } finally {
            shared.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
