package io.connmgr.appliance.control;

import io.connmgr.appliance.transport.Transport;
import io.connmgr.protocol.backend.BackendCodec;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.backend.PresenceKind;
import io.connmgr.protocol.backend.PresenceTier;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.client.BackendException;
import io.connmgr.protocol.client.BackendStream;
import io.connmgr.protocol.client.EventListener;
import io.connmgr.protocol.client.Subscription;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The control channel end to end: the real client against the real server on loopback, with a fake gateway. */
class ControlChannelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static Transport transport;
    private static EventLoopGroup group;
    private static ExecutorService authExecutor;

    private final InMemoryBackendAuthenticator auth = new InMemoryBackendAuthenticator(Map.of("billing", "s3cret"));
    private final List<ControlServer> servers = new ArrayList<>();
    private final List<BackendClient> clients = new ArrayList<>();
    private FakeGateway gateway;
    private ControlServer server;

    @BeforeAll
    static void loops() {
        transport = Transport.detect();
        group = transport.newGroup(2, "control-test");
        authExecutor = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        authExecutor.shutdownNow();
    }

    @BeforeEach
    void startServer() {
        gateway = new FakeGateway();
        server = start(gateway, options(0));
    }

    @AfterEach
    void stop() {
        clients.forEach(BackendClient::close);
        servers.forEach(ControlServer::close);
    }

    private static ControlOptions options(int port) {
        return ControlOptions.defaults("127.0.0.1", port, Wire.DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(3));
    }

    private ControlServer start(BackendGateway g, ControlOptions o) {
        ControlServer s = new ControlServer(o, g, auth, authExecutor,
                new ControlMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
                .start(group, group, transport.serverChannelClass());
        servers.add(s);
        return s;
    }

    private BackendClient client(String name, String token, int streamWindow) {
        BackendClient c = BackendClient.builder().host("127.0.0.1").port(server.port()).credentials(name, token)
                .reconnect(true, Duration.ofMillis(10), Duration.ofMillis(200)).streamWindow(streamWindow).build();
        clients.add(c);
        return c;
    }

    private BackendClient connected() {
        BackendClient c = client("billing", "s3cret", Wire.DEFAULT_STREAM_WINDOW);
        c.connect().orTimeout(10, TimeUnit.SECONDS).join();
        return c;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        Throwable e = f.handle((v, t) -> t).orTimeout(10, TimeUnit.SECONDS).join();
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    @Test
    void connect_withWrongToken_thenRefusedWithBadCredentials() {
        BackendClient c = BackendClient.builder().host("127.0.0.1").port(server.port())
                .credentials("billing", "wrong").reconnect(false, Duration.ZERO, Duration.ZERO).build();
        clients.add(c);

        assertThat(failure(c.connect())).isInstanceOfSatisfying(BackendException.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS));
        assertThat(c.isConnected()).isFalse();
    }

    @Test
    void connect_thenWelcomeGrantsTheAskedCapabilitiesAndTheEventBound() {
        BackendClient c = connected();

        assertThat(c.welcome().capabilities()).isEqualTo(BackendWire.ALL_CAPABILITIES);
        assertThat(c.welcome().name()).isEqualTo("billing");
        assertThat(c.welcome().maxPendingEvents()).isEqualTo(ControlOptions.DEFAULT_MAX_PENDING_EVENTS);
        assertThat(server.metrics().sessions()).isEqualTo(1);
    }

    @Test
    void silentConnection_thenGoAwayHandshakeTimeout() throws IOException {
        ControlServer quick = start(gateway, ControlOptions.defaults("127.0.0.1", 0, Wire.DEFAULT_MAX_FRAME_SIZE,
                Duration.ofMillis(200)));
        try (Socket s = new Socket("127.0.0.1", quick.port())) {
            s.setSoTimeout(5000);
            BackendFrame frame = readFrame(new DataInputStream(s.getInputStream()));

            assertThat(frame).isInstanceOfSatisfying(BackendFrame.GoAway.class,
                    g -> assertThat(g.reason()).isEqualTo(ReasonCode.HANDSHAKE_TIMEOUT));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void httpRequestOnTheControlPort_thenProtocolError() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(readFrame(new DataInputStream(s.getInputStream()))).isInstanceOfSatisfying(
                    BackendFrame.GoAway.class, g -> assertThat(g.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR));
        }
    }

    @Test
    void send_thenMessageIdOnceAccepted_sameKeySameId_andTypedRefusals() {
        BackendClient c = connected();
        byte[] payload = "on".getBytes(StandardCharsets.UTF_8);

        String first = c.send("online-1", payload, Duration.ofHours(1), "order-42").join();
        assertThat(first).startsWith("m-");
        assertThat(c.send("online-1", payload, null, "order-42").join()).isEqualTo(first);
        assertThat(c.send("online-1", payload, null, null).join()).isNotEqualTo(first);
        assertThat(failure(c.send("full-1", payload, null, null))).isInstanceOf(BackendException.QueueFull.class);
        assertThat(failure(c.send("nobody", payload, null, null))).isInstanceOf(BackendException.UnknownDevice.class);
    }

    @Test
    void rpc_okErrorTimeoutUnknownOfflineAndNoHandler() {
        BackendClient c = connected();
        byte[] body = {1, 2, 3};

        assertThat(c.rpc("online-1", "echo", body, Duration.ofSeconds(2)).join()).containsExactly(1, 2, 3);
        assertThat(failure(c.rpc("online-1", "fail", body, Duration.ofSeconds(2))))
                .isInstanceOf(BackendException.RpcError.class).hasMessage("handler exploded");
        assertThat(failure(c.rpc("online-1", "slow", body, Duration.ofMillis(50))))
                .isInstanceOf(BackendException.Timeout.class);
        assertThat(failure(c.rpc("nobody", "echo", body, Duration.ofSeconds(2))))
                .isInstanceOf(BackendException.UnknownDevice.class);
        assertThat(failure(c.rpc("offline-1", "echo", body, Duration.ofSeconds(2))))
                .isInstanceOf(BackendException.Offline.class);
        assertThat(failure(c.rpc("online-1", "nope", body, Duration.ofSeconds(2))))
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.status()).isEqualTo(BackendStatus.NO_HANDLER));
    }

    @Test
    void settings_absentFieldsStayUnchanged() {
        BackendClient c = connected();

        c.settings("online-1", DeviceSettings.UNCHANGED.withIdleAfter(Duration.ofMinutes(2)).withAlwaysActive(true))
                .join();
        c.settings("online-1", DeviceSettings.UNCHANGED.withKeepAlive(Duration.ofSeconds(90))
                .withPersistentRequired(false)).join();

        assertThat(gateway.settings.get("online-1")).isEqualTo(new DeviceSettings(Duration.ofMinutes(2), null,
                Duration.ofSeconds(90), true, false));
        assertThat(failure(c.settings("nobody", DeviceSettings.UNCHANGED.withAlwaysActive(false))))
                .isInstanceOf(BackendException.UnknownDevice.class);
    }

    @Test
    void subscribe_receivesMatchingUplinkAndPresence_untilUnsubscribed() {
        BackendClient c = connected();
        List<DeviceEvent> sensors = new CopyOnWriteArrayList<>();
        List<DeviceEvent> presence = new CopyOnWriteArrayList<>();
        Subscription bySensor = c.subscribe(sensors::add,
                EventFilter.prefix(EventFilter.UPLINK | EventFilter.PRESENCE, "online-s")).join();
        c.subscribe(presence::add, EventFilter.devices(EventFilter.PRESENCE, List.of("online-m1"))).join();

        gateway.emit(new UplinkEvent(1, 1, "online-s1", "hello".getBytes(StandardCharsets.UTF_8)));
        gateway.emit(new PresenceEvent(2, PresenceKind.CONNECTED, PresenceTier.ACTIVE, "online-m1"));
        gateway.emit(new PresenceEvent(3, PresenceKind.TIER_CHANGED, PresenceTier.SLEEP, "online-s1"));
        gateway.emit(new UplinkEvent(4, 1, "online-m1", new byte[0]));

        await().atMost(WAIT).until(() -> sensors.size() == 2 && presence.size() == 1);
        assertThat(sensors.get(0)).isInstanceOfSatisfying(UplinkEvent.class, u -> {
            assertThat(u.seq()).isEqualTo(1);
            assertThat(new String(u.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        });
        assertThat(sensors.get(1)).isEqualTo(new PresenceEvent(3, PresenceKind.TIER_CHANGED, PresenceTier.SLEEP,
                "online-s1"));
        assertThat(presence.getFirst()).isEqualTo(new PresenceEvent(2, PresenceKind.CONNECTED, PresenceTier.ACTIVE,
                "online-m1"));

        bySensor.close();
        gateway.emit(new UplinkEvent(5, 2, "online-s1", new byte[0]));
        gateway.emit(new PresenceEvent(6, PresenceKind.DISCONNECTED, PresenceTier.NONE, "online-m1"));
        await().atMost(WAIT).until(() -> presence.size() == 2);
        assertThat(sensors).hasSize(2);
    }

    @Test
    void slowSubscriber_eventsBoundedDropOldest_andLossReported() throws IOException {
        ControlServer small = start(gateway, options(0).withMaxPendingEvents(64));
        int total = 20_000;
        try (Socket s = new Socket("127.0.0.1", small.port())) {
            s.setReceiveBufferSize(4096);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(BackendCodec.toBytes(new BackendFrame.Hello(1, BackendWire.CAP_EVENTS, "billing",
                    "s3cret".getBytes(StandardCharsets.UTF_8))));
            assertThat(readFrame(in)).isInstanceOf(BackendFrame.Welcome.class);
            out.write(BackendCodec.toBytes(new BackendFrame.Subscribe(1, EventFilter.all(EventFilter.UPLINK))));
            assertThat(readFrame(in)).isInstanceOf(BackendFrame.Result.class);

            byte[] payload = new byte[1024];
            for (int i = 1; i <= total; i++) { // the back-end reads nothing meanwhile
                gateway.emit(new UplinkEvent(i, i, "online-1", payload));
            }
            await().atMost(WAIT).until(() -> small.metrics().droppedEvents() > 0);

            long delivered = 0;
            long dropped = 0;
            long lastSeq = 0;
            while (delivered + dropped < total) {
                switch (readFrame(in)) {
                    case UplinkEvent u -> {
                        assertThat(u.seq()).isGreaterThan(lastSeq); // drop-oldest keeps order
                        lastSeq = u.seq();
                        delivered++;
                    }
                    case BackendFrame.EventLoss l -> dropped += l.dropped();
                    case BackendFrame other -> throw new AssertionError("unexpected " + other);
                }
            }
            assertThat(lastSeq).isEqualTo(total); // the newest events survive
            assertThat(dropped).isEqualTo((long) small.metrics().droppedEvents()).isPositive();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void stream_echoesAMebibyteWithinBothWindows() throws Exception {
        BackendClient c = client("billing", "s3cret", 64 * 1024);
        c.connect().orTimeout(10, TimeUnit.SECONDS).join();
        byte[] data = new byte[1024 * 1024];
        new Random(7).nextBytes(data);

        BackendStream stream = c.openStream("online-1", 7).orTimeout(10, TimeUnit.SECONDS).join();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = stream.output()) {
                for (int off = 0; off < data.length; off += 10_000) {
                    out.write(data, off, Math.min(10_000, data.length - off));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] echoed = readAll(stream.input());

        writer.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(echoed).isEqualTo(data);
        await().atMost(WAIT).until(() -> gateway.openStreams.isEmpty());
        assertThat(failure(c.openStream("online-1", 22))).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.status()).isEqualTo(BackendStatus.NOT_EXPOSED));
    }

    @Test
    void client_resetsAStream_thatIsSentMoreThanItsWindow() {
        BackendClient c = client("billing", "s3cret", 16 * 1024);
        c.connect().orTimeout(10, TimeUnit.SECONDS).join();

        BackendStream stream = c.openStream("online-1", 8).orTimeout(10, TimeUnit.SECONDS).join();

        await().atMost(WAIT).until(() -> gateway.overrunResets.get(1)
                == io.connmgr.protocol.wire.StreamStatus.FLOW_CONTROL_ERROR);
        assertThatThrownBy(() -> stream.input().read()).isInstanceOf(IOException.class)
                .hasMessageContaining("beyond the window");
    }

    @Test
    void streamData_beyondTheWindow_thenFlowControlReset() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(BackendCodec.toBytes(new BackendFrame.Hello(1, BackendWire.CAP_STREAMS, "billing",
                    "s3cret".getBytes(StandardCharsets.UTF_8))));
            assertThat(readFrame(in)).isInstanceOf(BackendFrame.Welcome.class);
            out.write(BackendCodec.toBytes(new BackendFrame.StreamOpen(1, 5, 1024, 7, "online-1")));
            assertThat(readFrame(in)).isInstanceOfSatisfying(BackendFrame.Result.class,
                    r -> assertThat(r.status()).isEqualTo(BackendStatus.OK));

            byte[] tooMuch = new byte[(int) FakeGateway.EchoStream.DEVICE_WINDOW + 1];
            out.write(BackendCodec.toBytes(new BackendFrame.StreamData(5, false, Unpooled.wrappedBuffer(tooMuch))));

            BackendFrame frame;
            do {
                frame = readFrame(in);
            } while (!(frame instanceof BackendFrame.StreamReset));
            assertThat(((BackendFrame.StreamReset) frame).reason())
                    .isEqualTo(io.connmgr.protocol.wire.StreamStatus.FLOW_CONTROL_ERROR);
        }
    }

    @Test
    void appliancerestart_thenClientReconnectsAndRenewsItsSubscriptions() {
        BackendClient c = connected();
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        AtomicLong losses = new AtomicLong();
        c.subscribe(new EventListener() {
            @Override
            public void onEvent(DeviceEvent event) {
                events.add(event);
            }

            @Override
            public void onLoss(long dropped) {
                losses.addAndGet(dropped);
            }
        }, EventFilter.all(EventFilter.PRESENCE)).join();
        int port = server.port();

        server.close();
        await().atMost(WAIT).until(() -> !c.isConnected());
        FakeGateway second = new FakeGateway();
        start(second, options(port));

        await().atMost(WAIT).until(() -> c.isConnected() && !second.listeners.isEmpty());
        second.emit(new PresenceEvent(9, PresenceKind.CONNECTED, PresenceTier.IDLE, "online-1"));
        await().atMost(WAIT).until(() -> events.size() == 1);
        assertThat(losses.get()).isZero();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** Reads one frame from a blocking socket; uses the codec, so a frame for either side can be read. */
    static BackendFrame readFrame(DataInputStream in) throws IOException {
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
        } catch (io.connmgr.protocol.codec.MalformedFrameException e) {
            throw new IOException(e);
        }
    }
}
