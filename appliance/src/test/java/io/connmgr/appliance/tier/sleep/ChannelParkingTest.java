package io.connmgr.appliance.tier.sleep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollSocketChannel;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChannelParkingTest {
    private LoopbackServer server;

    @BeforeEach
    void setUp() throws InterruptedException {
        server = new LoopbackServer();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void detachedChannel_isCollected_withoutClosingItsSocket() throws Exception {
        Socket client = server.connect();
        EpollSocketChannel accepted = server.nextAccepted();
        int fd = ChannelParking.detach(accepted).get(10, TimeUnit.SECONDS);
        assertThat(accepted.isRegistered()).isFalse();
        assertThat(accepted.isOpen()).as("Netty still thinks it open: it is garbage, not closed").isTrue();
        WeakReference<EpollSocketChannel> ref = new WeakReference<>(accepted);
        accepted = null;

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            System.gc();
            return ref.get() == null;
        });

        ByteCollector echo = new ByteCollector(true);
        EpollSocketChannel ch = ChannelParking.attach(fd, server.group, initializer(echo)).get(10, TimeUnit.SECONDS);
        ChannelParking.resume(ch, new byte[0]).get(10, TimeUnit.SECONDS);
        byte[] hello = {1, 2, 3, 4, 5};
        client.getOutputStream().write(hello);
        assertThat(client.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
        ch.close().sync();
    }

    @Test
    void detach_failsWhileOutboundBytesArePending_andLeavesTheChannelRegistered() throws Exception {
        server.connect();
        EpollSocketChannel accepted = server.nextAccepted();
        accepted.eventLoop().submit(() -> accepted.write(Unpooled.wrappedBuffer(new byte[10]))).sync();

        assertThatThrownBy(() -> ChannelParking.detach(accepted).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(accepted.isRegistered()).isTrue();
        accepted.close().sync();
    }

    @Test
    void detach_thenAttach_keepsBytesSentWhileDetached() throws Exception {
        Socket client = server.connect();
        int fd = ChannelParking.detach(server.nextAccepted()).get(10, TimeUnit.SECONDS);
        byte[] early = {9, 8, 7};
        client.getOutputStream().write(early);

        ByteCollector echo = new ByteCollector(true);
        EpollSocketChannel ch = ChannelParking.attach(fd, server.group, initializer(echo)).get(10, TimeUnit.SECONDS);
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(ch.isActive()).isTrue();
        ChannelParking.resume(ch, new byte[0]).get(10, TimeUnit.SECONDS);

        assertThat(client.getInputStream().readNBytes(early.length)).isEqualTo(early);
        ch.close().sync();
    }

    @Test
    void attach_ofANonSocketFd_fails() {
        assertThatThrownBy(() -> ChannelParking.attach(Integer.MAX_VALUE, server.group,
                initializer(new ByteCollector(false))).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
    }

    private static ChannelInitializer<Channel> initializer(ByteCollector collector) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(collector);
            }
        };
    }
}
