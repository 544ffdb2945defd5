package io.connmgr.appliance.tier.sleep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.connmgr.appliance.tier.sleep.SleepLoop.CloseCause;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SleepLoopTest {
    private static final byte[] PING = {0x05, 0, 0, 0};
    private static final byte[] PONG = {0x06, 0, 0, 0};
    private static final long HOUR_MILLIS = 3_600_000L;

    private final ManualClock clock = new ManualClock();
    private final RecordingListener listener = new RecordingListener();
    private LoopbackServer server;
    private SleepLoop loop;

    @BeforeEach
    void setUp() throws InterruptedException {
        server = new LoopbackServer();
        loop = newLoop(64, 10_000);
        loop.start();
    }

    @AfterEach
    void tearDown() {
        loop.close();
        server.close();
    }

    private SleepLoop newLoop(int initialCapacity, int maxEntries) {
        return new SleepLoop(new SleepLoopOptions(PING, PONG, initialCapacity, maxEntries, 512,
                Duration.ofMillis(10)), listener, clock);
    }

    /** Connects a client, detaches the accepted channel and parks its fd under deviceKey. */
    private Socket parkedClient(long deviceKey, long silenceTimeoutMillis) throws Exception {
        Socket client = server.connect();
        int fd = server.nextDetachedFd();
        assertThat(loop.park(fd, deviceKey, silenceTimeoutMillis)).isTrue();
        return client;
    }

    @Test
    void ping_isAnsweredWithExactlyOnePong_andNeverWakes() throws Exception {
        Socket client = parkedClient(1, HOUR_MILLIS);

        client.getOutputStream().write(PING);

        assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);
        // The counter moves just after the send, so the peer may read the PONG first.
        await().until(() -> loop.pingsAnswered() == 1);
        assertThat(loop.isParked(1)).isTrue();
        assertThat(listener.wakes).isEmpty();
    }

    @Test
    void hundredPingsInOneWrite_getHundredPongs() throws Exception {
        Socket client = parkedClient(1, HOUR_MILLIS);

        client.getOutputStream().write(repeat(PING, 100));

        assertThat(client.getInputStream().readNBytes(400)).isEqualTo(repeat(PONG, 100));
        // After one more round trip nothing may be left: no extra pong was queued behind the hundred.
        client.getOutputStream().write(PING);
        assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);
        await().until(() -> loop.pingsAnswered() == 101);
        assertThat(client.getInputStream().available()).isZero();
        assertThat(listener.wakes).isEmpty();
        assertThat(loop.wakes()).isZero();
    }

    @Test
    void largeFrame_wakes_andAttachedChannelSeesEveryByteInOrder() throws Exception {
        Socket client = parkedClient(7, HOUR_MILLIS);
        byte[] frame = frame(0x10, 300 * 1024 - 4);
        CRC32 expected = new CRC32();
        expected.update(frame);
        // A separate writer: 300 KB exceeds what loopback buffers while nobody reads.
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(client, frame));

        RecordingListener.Wake wake = listener.nextWake();
        assertThat(wake.deviceKey()).isEqualTo(7);
        assertThat(wake.pending()).isNotEmpty().hasSizeLessThanOrEqualTo(512);
        assertThat(Arrays.copyOf(wake.pending(), 4)).isEqualTo(Arrays.copyOf(frame, 4));
        assertThat(loop.isParked(7)).isFalse();
        assertThat(loop.size()).isZero();

        ByteCollector collector = new ByteCollector(false);
        EpollSocketChannel ch = ChannelParking.attach(wake.fd(), server.group, initializer(collector))
                .get(10, TimeUnit.SECONDS);
        ChannelParking.resume(ch, wake.pending()).get(10, TimeUnit.SECONDS);

        writer.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> collector.count() == frame.length);
        assertThat(collector.crc()).isEqualTo(expected.getValue());
        assertThat(listener.closes).isEmpty();
        ch.close().sync();
    }

    @Test
    void pingFollowedByData_answersThePing_thenWakesWithTheData() throws Exception {
        Socket client = parkedClient(3, HOUR_MILLIS);
        byte[] message = {0x10, 0, 0, 2, 'h', 'i'};

        client.getOutputStream().write(concat(PING, message));

        assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);
        RecordingListener.Wake wake = listener.nextWake();
        assertThat(wake.pending()).isEqualTo(message);
        assertThat(loop.pingsAnswered()).isEqualTo(1);
        assertThat(loop.isParked(3)).isFalse();
        RawSockets.close(wake.fd());
    }

    @Test
    void partialPing_wakesWithThoseBytes() throws Exception {
        // Documented choice: a ping split across segments is rare, so it wakes rather than keep per-entry state.
        Socket client = parkedClient(4, HOUR_MILLIS);

        client.getOutputStream().write(new byte[] {0x05, 0});

        RecordingListener.Wake wake = listener.nextWake();
        assertThat(wake.pending()).containsExactly(0x05, 0);
        assertThat(loop.pingsAnswered()).isZero();
        RawSockets.close(wake.fd());
    }

    @Test
    void pingTypeWithNonEmptyPayload_isNotAPing_andWakes() throws Exception {
        Socket client = parkedClient(5, HOUR_MILLIS);

        client.getOutputStream().write(new byte[] {0x05, 0, 0, 1, 9});

        assertThat(listener.nextWake().pending()).containsExactly(0x05, 0, 0, 1, 9);
        assertThat(loop.pingsAnswered()).isZero();
    }

    @Test
    void clientClose_reportsPeerClosed_andEmptiesTheTable() throws Exception {
        Socket client = parkedClient(9, HOUR_MILLIS);
        assertThat(loop.size()).isEqualTo(1);

        client.close();

        await().until(() -> listener.closes.get(9L) == CloseCause.PEER_CLOSED);
        assertThat(loop.size()).isZero();
        assertThat(loop.isParked(9)).isFalse();
    }

    @Test
    void clientReset_reportsPeerClosed() throws Exception {
        Socket client = parkedClient(10, HOUR_MILLIS);

        client.setSoLinger(true, 0); // close() now sends RST instead of FIN
        client.close();

        await().until(() -> listener.closes.get(10L) == CloseCause.PEER_CLOSED);
        assertThat(loop.size()).isZero();
    }

    @Test
    void silence_beyondTimeout_closesWithSilenceTimeout() throws Exception {
        Socket client = parkedClient(11, 30_000);

        clock.advance(Duration.ofSeconds(32));

        await().until(() -> listener.closes.get(11L) == CloseCause.SILENCE_TIMEOUT);
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        assertThat(loop.size()).isZero();
    }

    @Test
    void ping_refreshesTheSilenceTimer() throws Exception {
        Socket client = parkedClient(12, 30_000);
        clock.advance(Duration.ofSeconds(20));
        client.getOutputStream().write(PING);
        assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);

        clock.advance(Duration.ofSeconds(20));
        long scans = loop.silenceScans();
        await().until(() -> loop.silenceScans() >= scans + 2);
        assertThat(loop.isParked(12)).isTrue();

        clock.advance(Duration.ofSeconds(12));
        await().until(() -> listener.closes.get(12L) == CloseCause.SILENCE_TIMEOUT);
    }

    @Test
    void unpark_returnsTheFd_whichStillWorksAfterAttach() throws Exception {
        Socket client = parkedClient(13, HOUR_MILLIS);

        int fd = loop.unpark(13);

        assertThat(fd).isNotNegative();
        assertThat(loop.isParked(13)).isFalse();
        assertThat(loop.unpark(13)).isEqualTo(-1);
        ByteCollector echo = new ByteCollector(true);
        EpollSocketChannel ch = ChannelParking.attach(fd, server.group, initializer(echo)).get(10, TimeUnit.SECONDS);
        ChannelParking.resume(ch, new byte[0]).get(10, TimeUnit.SECONDS);
        byte[] hello = {0x10, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
        client.getOutputStream().write(hello);
        assertThat(client.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
        assertThat(listener.closes).isEmpty();
        ch.close().sync();
    }

    @Test
    void closeParked_writesFarewell_thenClientSeesEndOfStream() throws Exception {
        Socket client = parkedClient(14, HOUR_MILLIS);
        byte[] farewell = {0x07, 0, 0, 1, 42};

        assertThat(loop.closeParked(14, farewell)).isTrue();

        assertThat(client.getInputStream().readAllBytes()).isEqualTo(farewell);
        assertThat(listener.closes).containsEntry(14L, CloseCause.CLOSED_BY_REQUEST);
        assertThat(loop.closeParked(14, farewell)).isFalse();
    }

    @Test
    void evictAll_sendsEachClientItsGoaway_thenEndOfStream_atTheGivenRate() throws Exception {
        List<Socket> clients = new ArrayList<>();
        for (long key = 100; key < 110; key++) {
            clients.add(parkedClient(key, HOUR_MILLIS));
        }
        long start = System.nanoTime();

        int evicted = loop.evictAll(key -> new byte[] {0x08, 0, 0, 1, (byte) key}, 200, Duration.ofSeconds(10));

        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(evicted).isEqualTo(10);
        assertThat(elapsedMillis).as("10 evictions at 200/s").isGreaterThanOrEqualTo(45);
        for (int i = 0; i < clients.size(); i++) {
            assertThat(clients.get(i).getInputStream().readAllBytes())
                    .containsExactly(0x08, 0, 0, 1, 100 + i);
            assertThat(listener.closes).containsEntry(100L + i, CloseCause.EVICTED);
        }
        assertThat(loop.size()).isZero();
    }

    @Test
    void evictAll_stopsAtTheDeadline_leavingTheRestParked() throws Exception {
        for (long key = 1; key <= 3; key++) {
            parkedClient(key, HOUR_MILLIS);
        }

        int evicted = loop.evictAll(key -> null, 1, Duration.ofMillis(200));

        assertThat(evicted).isEqualTo(1);
        assertThat(loop.size()).isEqualTo(2);
    }

    @Test
    void thousandParkedConnections_growTheTable_andAreAllAnswered() throws Exception {
        loop.close();
        loop = newLoop(16, 10_000);
        loop.start();
        long emptyBytes = loop.tableBytes();
        List<Socket> clients = new ArrayList<>();
        for (long key = 0; key < 1000; key++) {
            clients.add(parkedClient(key * 0x9E3779B97F4A7C15L, HOUR_MILLIS));
        }
        assertThat(loop.size()).isEqualTo(1000);
        assertThat(loop.tableBytes()).isGreaterThan(emptyBytes);

        for (Socket client : clients) {
            client.getOutputStream().write(PING);
        }
        for (Socket client : clients) {
            assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);
        }

        await().until(() -> loop.pingsAnswered() == 1000);
        assertThat(listener.wakes).isEmpty();
        for (long key = 0; key < 1000; key++) {
            assertThat(loop.isParked(key * 0x9E3779B97F4A7C15L)).isTrue();
        }
    }

    @Test
    void park_refusesWhenFull_orDuplicateKey_orClosed() throws Exception {
        loop.close();
        loop = newLoop(4, 1);
        loop.start();
        parkedClient(1, HOUR_MILLIS);

        server.connect();
        int second = server.nextDetachedFd();
        assertThat(loop.park(second, 2, HOUR_MILLIS)).as("table full").isFalse();
        loop.close();
        loop = newLoop(4, 10);
        loop.start();
        assertThat(loop.park(second, 2, HOUR_MILLIS)).isTrue();
        server.connect();
        int third = server.nextDetachedFd();
        assertThat(loop.park(third, 2, HOUR_MILLIS)).as("duplicate key").isFalse();
        loop.close();
        assertThat(loop.park(third, 3, HOUR_MILLIS)).as("closed").isFalse();
        RawSockets.close(third);
    }

    @Test
    void close_closesEveryParkedSocket() throws Exception {
        Socket a = parkedClient(1, HOUR_MILLIS);
        Socket b = parkedClient(2, HOUR_MILLIS);

        loop.close();

        assertThat(a.getInputStream().read()).isEqualTo(-1);
        assertThat(b.getInputStream().read()).isEqualTo(-1);
        assertThat(loop.size()).isZero();
        assertThat(loop.park(0, 3, HOUR_MILLIS)).isFalse();
    }

    @Test
    void bytesWaitingBeforePark_areSeen() throws Exception {
        // Netty watched the socket edge-triggered; the loop must notice bytes that arrived before it took over.
        Socket client = server.connect();
        int fd = server.nextDetachedFd();
        client.getOutputStream().write(PING); // loopback delivers it to the server's queue before write returns

        assertThat(loop.park(fd, 20, HOUR_MILLIS)).isTrue();

        assertThat(client.getInputStream().readNBytes(4)).isEqualTo(PONG);
    }

    private static ChannelInitializer<Channel> initializer(ByteCollector collector) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(collector);
            }
        };
    }

    private static void write(Socket socket, byte[] bytes) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] frame(int type, int payloadLength) {
        byte[] frame = new byte[4 + payloadLength];
        frame[0] = (byte) type;
        frame[1] = (byte) (payloadLength >>> 16);
        frame[2] = (byte) (payloadLength >>> 8);
        frame[3] = (byte) payloadLength;
        byte[] payload = new byte[payloadLength];
        ThreadLocalRandom.current().nextBytes(payload);
        System.arraycopy(payload, 0, frame, 4, payloadLength);
        return frame;
    }

    private static byte[] repeat(byte[] unit, int times) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < times; i++) {
            out.writeBytes(unit);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
