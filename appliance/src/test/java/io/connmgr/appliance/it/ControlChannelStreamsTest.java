package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.protocol.backend.BackendCodec;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.client.BackendException;
import io.connmgr.protocol.client.BackendStream;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Streams over the back-end control channel, end to end: the Java back-end client (or a back-end speaking the
 * protocol by hand) → the appliance → a real device → a service on the device's side, over loopback sockets.
 */
class ControlChannelStreamsTest {
    static final int CLIENT_WINDOW = 64 * 1024;
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    ApplianceHarness harness;
    String token;
    BackendClient backend;
    StreamDevice device;
    DeviceClient agent;
    final List<AutoCloseable> resources = new ArrayList<>();
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (device != null) {
            device.close();
        }
        if (agent != null) {
            agent.close();
        }
        harness.close();
        for (AutoCloseable r : resources) {
            r.close();
        }
        threads.shutdownNow();
    }

    void start(String... flags) throws Exception {
        harness = new ApplianceHarness(dir, flags).start();
        token = harness.backendToken("billing");
        backend = BackendClient.builder().host("127.0.0.1").port(harness.appliance.controlPort())
                .credentials("billing", token).streamWindow(CLIENT_WINDOW).build();
        backend.connect().get(10, TimeUnit.SECONDS);
    }

    <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    StreamDevice device(String id, int capabilities, Map<Integer, Integer> exposed) throws Exception {
        device = new StreamDevice(harness.devicePort(), exposed);
        device.connect(id, harness.fleetToken(id), capabilities);
        return device;
    }

    BackendStream open(String deviceId, int port) throws Exception {
        return backend.openStream(deviceId, port).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    double fromDevice() {
        return harness.counter("cm.stream.bytes", "direction", "from_device");
    }

    // ---------------------------------------------------------------- bytes and endings

    @Test
    void bytes_roundTripThroughTheDevicesService_andBothFinsEndTheStream() throws Exception {
        start();
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port()));
        byte[] payload = new byte[1024 * 1024 + 7]; // many windows, both ways
        new Random(42).nextBytes(payload);

        BackendStream stream = open("dev-1", 22);
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try (OutputStream out = stream.output()) {
                out.write(payload);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        byte[] back = stream.input().readAllBytes(); // -1 only once the echo's FIN came back through the device

        writing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(back).isEqualTo(payload);
        assertThat(harness.counter("cm.control.streams.opened")).isEqualTo(1);
        assertThat(harness.counter("cm.streams.opened", "mode", "multiplexed", "result", "ok")).isEqualTo(1);
        assertThat(fromDevice()).isEqualTo(payload.length);
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
        assertThat(device.received).noneMatch(f -> f instanceof StreamReset);
    }

    @Test
    void finFromTheBackEnd_halfCloses_andTheAnswerStillComesBack() throws Exception {
        start();
        // Reads until the back-end's FIN, then answers with what it counted.
        var counter = keep(service(s -> {
            long n = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            s.getOutputStream().write(("got " + n).getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
        }));
        device("dev-1", Capabilities.STREAMS, Map.of(9000, counter.port()));

        BackendStream stream = open("dev-1", 9000);
        stream.output().write(new byte[100_000]);
        stream.close();

        assertThat(new String(stream.input().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("got 100000");
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
    }

    @Test
    void finFromTheDevice_halfCloses_andTheBackEndCanStillSend() throws Exception {
        start();
        CompletableFuture<String> heard = new CompletableFuture<>();
        // Greets and closes its sending side at once, then listens until the back-end is done.
        var greeter = keep(service(s -> {
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            heard.complete(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }));
        device("dev-1", Capabilities.STREAMS, Map.of(9001, greeter.port()));

        BackendStream stream = open("dev-1", 9001);
        assertThat(new String(stream.input().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
        stream.output().write("late, but heard".getBytes(StandardCharsets.US_ASCII));
        stream.close();

        assertThat(heard.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("late, but heard");
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
    }

    @Test
    void theRealDeviceLibrary_servesAnHttpRequestOverAControlStream() throws Exception {
        start();
        HttpServer web = StreamFixtures.http("served on the device side");
        resources.add(() -> web.stop(0));
        agent = DeviceClient.builder().appliance("127.0.0.1", harness.devicePort()).deviceId("dev-7")
                .token(harness.fleetToken("dev-7")).backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .expose(new Exposure(8080, "127.0.0.1", web.getAddress().getPort())).build().start();
        await().atMost(WAIT).until(() -> agent.state() == ConnectionState.CONNECTED);

        BackendStream stream = open("dev-7", 8080);
        stream.output().write("GET / HTTP/1.0\r\nHost: dev-7\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        stream.close();

        String response = new String(stream.input().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200").endsWith("served on the device side");
    }

    // ---------------------------------------------------------------- tiers

    @Test
    void sleepingDevice_isWokenByAStreamOpen() throws Exception {
        start();
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port()));
        org.junit.jupiter.api.Assumptions.assumeTrue(harness.appliance.manager()
                .requestTier("dev-1", Tier.SLEEP, TierCause.ADMIN).get().name().equals("ACCEPTED"),
                "the sleep tier needs epoll");
        await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);

        BackendStream stream = open("dev-1", 22);
        stream.output().write("wake up".getBytes(StandardCharsets.US_ASCII));
        stream.close();

        assertThat(new String(stream.input().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("wake up");
        assertThat(harness.counter("cm.wakes", "cause", "server_request")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void offlineDevice_connectingWithinConnectWait_isReached() throws Exception {
        start("connect-wait", "20s");
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port())).close(); // known from now on
        device = null;
        await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.DISCONNECTED);

        CompletableFuture<BackendStream> opening = backend.openStream("dev-1", 22);
        await().atMost(WAIT).until(() -> harness.gauge("cm.streams.waiting") == 1);
        assertThat(opening).isNotDone();
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port()));

        BackendStream stream = opening.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        stream.output().write(5);
        assertThat(stream.input().read()).isEqualTo(5);
    }

    @Test
    void offlineDevice_thatStaysAway_isOffline_afterConnectWait() throws Exception {
        start("connect-wait", "1s");
        device("dev-1", Capabilities.STREAMS, Map.of()).close();
        device = null;
        await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.DISCONNECTED);

        assertThat(failure(backend.openStream("dev-1", 22))).isInstanceOf(BackendException.Offline.class);
        assertThat(harness.counter("cm.control.requests", "type", "stream_open", "status", "offline")).isEqualTo(1);
    }

    // ---------------------------------------------------------------- flow control

    @Test
    void slowStream_doesNotStallAnotherStreamOnTheSameChannel() throws Exception {
        start();
        var big = keep(StreamFixtures.firehose(64 * 1024 * 1024));
        var small = keep(StreamFixtures.firehose(2 * 1024 * 1024));
        device("dev-1", Capabilities.STREAMS, Map.of(5000, big.port(), 5001, small.port()));

        BackendStream slow = open("dev-1", 5000); // device stream 1; nobody reads it for now
        await().atMost(WAIT).until(() -> device.sent.containsKey(1) && device.sent.get(1).get() == CLIENT_WINDOW);
        List<CompletableFuture<Long>> readers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            readers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    BackendStream s = open("dev-1", 5001);
                    s.close();
                    return s.input().transferTo(OutputStream.nullOutputStream());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, threads));
        }
        for (var r : readers) {
            assertThat(r.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(2 * 1024 * 1024);
        }

        // Meanwhile the unread stream moved exactly the back-end's window, no more: the appliance granted nothing.
        assertThat(device.sent.get(1).get()).isEqualTo(CLIENT_WINDOW);
        byte[] buf = new byte[16 * 1024];
        long drained = 0;
        while (drained < 4L * CLIENT_WINDOW) {
            int n = slow.input().read(buf);
            assertThat(n).isPositive();
            drained += n;
        }
        // Reading gives the device credit again.
        assertThat(device.sent.get(1).get()).isGreaterThan(CLIENT_WINDOW);
        slow.reset();
        await().atMost(WAIT).until(() -> device.received.contains(new StreamReset(1, StreamStatus.CANCELLED)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
    }

    @Test
    void backEndThatDoesNotRead_holdsTheApplianceToItsWindow() throws Exception {
        start();
        var firehose = keep(StreamFixtures.firehose(64 * 1024 * 1024));
        device("dev-1", Capabilities.STREAMS, Map.of(5000, firehose.port()));
        int window = 1024 * 1024; // more than the socket buffers take: the rest waits in the appliance, bounded

        try (RawBackend raw = keep(new RawBackend(harness.appliance.controlPort(), "billing", token))) {
            raw.send(new BackendFrame.StreamOpen(1, 1, window, 5000, "dev-1"));
            assertThat(raw.result(1).status()).isEqualTo(BackendStatus.OK);
            // From here on this back-end reads nothing at all.

            await().atMost(WAIT).until(() -> fromDevice() == window);
            await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> fromDevice() == window);
            assertThat(device.sent.get(1).get()).isEqualTo(window);
        }
    }

    @Test
    void backEndSendingBeyondTheDevicesWindow_isResetWithFlowControlError() throws Exception {
        start();
        var silent = keep(service(s -> s.getInputStream().transferTo(OutputStream.nullOutputStream())));
        device("dev-1", Capabilities.STREAMS, Map.of(5000, silent.port()));

        try (RawBackend raw = keep(new RawBackend(harness.appliance.controlPort(), "billing", token))) {
            raw.send(new BackendFrame.StreamOpen(1, 9, 4096, 5000, "dev-1"));
            BackendFrame.Result ok = raw.result(1);
            assertThat(ok.status()).isEqualTo(BackendStatus.OK);
            int deviceWindow = ByteBuffer.wrap(ok.body()).getInt();
            assertThat(deviceWindow).isEqualTo(StreamDevice.WINDOW);

            raw.send(new BackendFrame.StreamData(9, false, Unpooled.wrappedBuffer(new byte[deviceWindow + 1])));

            assertThat(raw.next(BackendFrame.StreamReset.class)).isEqualTo(
                    new BackendFrame.StreamReset(9, StreamStatus.FLOW_CONTROL_ERROR));
            await().atMost(WAIT).until(() -> device.received.contains(
                    new StreamReset(1, StreamStatus.FLOW_CONTROL_ERROR)));
            assertThat(harness.counter("cm.control.stream.resets", "reason", "flow_control_error")).isEqualTo(1);
            assertThat(device.connected()).isTrue();
        }
    }

    // ---------------------------------------------------------------- errors and endings

    @Test
    void errors_mapToTheirResultStatuses() throws Exception {
        start("max-streams-per-device", "1");
        var echo = keep(StreamFixtures.echo());
        int closedPort;
        try (var s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port(), 9, closedPort));

        assertThat(failure(backend.openStream("ghost", 22))).isInstanceOf(BackendException.UnknownDevice.class);
        assertThat(status(backend.openStream("dev-1", 7))).isEqualTo(BackendStatus.NOT_EXPOSED);
        assertThat(status(backend.openStream("dev-1", 9))).isEqualTo(BackendStatus.REFUSED);
        BackendStream only = open("dev-1", 22);
        assertThat(status(backend.openStream("dev-1", 22))).isEqualTo(BackendStatus.TOO_MANY_STREAMS);
        only.reset();
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
        open("dev-1", 22).reset(); // the limit counts open streams only

        assertThat(harness.counter("cm.control.requests", "type", "stream_open", "status", "unknown_device"))
                .isEqualTo(1);
        assertThat(harness.counter("cm.control.requests", "type", "stream_open", "status", "not_exposed"))
                .isEqualTo(1);
        assertThat(harness.counter("cm.control.requests", "type", "stream_open", "status", "too_many_streams"))
                .isEqualTo(1);
    }

    @Test
    void deviceWithDataConnectionsOnly_isNotSupported_withAReason() throws Exception {
        start();
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.DATA_CONNECTIONS, Map.of(22, echo.port()));

        Throwable f = failure(backend.openStream("dev-1", 22));

        assertThat(f).isInstanceOf(BackendException.NotSupported.class).hasMessageContaining("proxy listener");
        assertThat(device.received).noneMatch(frame -> frame instanceof io.connmgr.protocol.message.StreamOpen);
    }

    @Test
    void resetFromTheDevice_reachesTheBackEnd() throws Exception {
        start();
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port()));
        BackendStream stream = open("dev-1", 22);
        stream.output().write(1);
        assertThat(stream.input().read()).isEqualTo(1);

        device.send(new StreamReset(1, StreamStatus.FAILED));

        assertThatThrownBy(() -> stream.input().read()).isInstanceOf(IOException.class)
                .hasMessageContaining(StreamStatus.FAILED.description());
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
    }

    @Test
    void channelClose_resetsEveryStreamTowardsTheDevice() throws Exception {
        start();
        var echo = keep(StreamFixtures.echo());
        device("dev-1", Capabilities.STREAMS, Map.of(22, echo.port()));
        for (int i = 0; i < 2; i++) {
            BackendStream s = open("dev-1", 22);
            s.output().write(i);
            assertThat(s.input().read()).isEqualTo(i);
        }
        assertThat(harness.appliance.streams().metrics().active()).isEqualTo(2);

        backend.close();
        backend = null;

        await().atMost(WAIT).until(() -> device.received.containsAll(List.of(
                new StreamReset(1, StreamStatus.CANCELLED), new StreamReset(3, StreamStatus.CANCELLED))));
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.appliance.streams().metrics().active()).isZero());
        assertThat(device.connected()).isTrue();
    }

    @Test
    void channelClose_whileAStreamWaitsForItsDevice_givesTheOpenUp() throws Exception {
        start("connect-wait", "30s");
        device("dev-1", Capabilities.STREAMS, Map.of()).close();
        device = null;
        await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.DISCONNECTED);
        CompletableFuture<BackendStream> opening = backend.openStream("dev-1", 22);
        await().atMost(WAIT).until(() -> harness.gauge("cm.streams.waiting") == 1);
        assertThat(opening).isNotDone();

        backend.close();
        backend = null;

        // The waiting open is dropped at once (counted as cancelled), not after the 30 s of connect-wait.
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.counter("cm.streams.opened", "mode",
                "multiplexed", "result", "cancelled") == 1);
        assertThat(opening).isCompletedExceptionally();
    }

    // ---------------------------------------------------------------- helpers

    static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("no answer: " + e, e);
        }
        throw new AssertionError("succeeded, but a failure was expected");
    }

    static BackendStatus status(CompletableFuture<?> f) {
        Throwable t = failure(f);
        assertThat(t).isInstanceOf(BackendException.class);
        return ((BackendException) t).status();
    }

    /** A back-end speaking the control protocol by hand over a blocking socket; reads only when asked to. */
    static final class RawBackend implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;

        RawBackend(int port, String name, String token) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) WAIT.toMillis());
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            send(new BackendFrame.Hello(BackendWire.VERSION, BackendWire.ALL_CAPABILITIES, name,
                    token.getBytes(StandardCharsets.UTF_8)));
            BackendFrame welcome = read();
            assertThat(welcome).isInstanceOf(BackendFrame.Welcome.class);
            assertThat(((BackendFrame.Welcome) welcome).capabilities() & BackendWire.CAP_STREAMS).isNotZero();
        }

        void send(BackendFrame frame) throws IOException {
            out.write(BackendCodec.toBytes(frame));
            out.flush();
        }

        BackendFrame.Result result(int requestId) throws IOException {
            BackendFrame.Result r = next(BackendFrame.Result.class);
            assertThat(r.requestId()).isEqualTo(requestId);
            return r;
        }

        /** The next frame of that type; others (pings, stream data) are skipped. */
        <T extends BackendFrame> T next(Class<T> type) throws IOException {
            while (true) {
                BackendFrame f = read();
                if (type.isInstance(f)) {
                    return type.cast(f);
                }
            }
        }

        private BackendFrame read() throws IOException {
            int header = in.readInt();
            byte[] payload = new byte[header & Wire.MAX_LENGTH_FIELD];
            in.readFully(payload);
            try {
                BackendFrame f = BackendCodec.decode(BackendFrameType.fromCode(header >>> 24),
                        Unpooled.wrappedBuffer(payload));
                if (f instanceof BackendFrame.StreamData d) {
                    d.release();
                }
                return f;
            } catch (MalformedFrameException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A local service on the device's side whose code may throw; a peer that went away just ends it. */
    @FunctionalInterface
    interface Service {
        void serve(Socket s) throws IOException;
    }

    static StreamFixtures.Server service(Service service) throws IOException {
        return new StreamFixtures.Server(s -> {
            try {
                service.serve(s);
            } catch (IOException ignored) {
                // the peer went away
            }
        });
    }
}
