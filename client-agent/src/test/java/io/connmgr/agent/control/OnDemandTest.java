package io.connmgr.agent.control;

import io.connmgr.agent.control.DisconnectCause.Kind;
import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.agent.fake.FakeAppliance.Stream;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.RpcStatus;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * On-demand operation of {@link DeviceClient} against a fake appliance over loopback: it disconnects when quiet,
 * comes back on its interval, when it has a message or when a local program connects to a device-initiated link, stays
 * connected while there is business, and stays connected while a WELCOME asks it to. Tests of what keeps it connected
 * freeze its clock (a mock ticker) and move it by hand, so "quiet for an hour" is exact and only the scheduling runs in
 * real time.
 */
class OnDemandTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration LONG = Duration.ofHours(1);
    private static final int LINKS = Capabilities.CM_COMMANDS | Capabilities.DEVICE_LINKS;

    private final List<DeviceClient> clients = new ArrayList<>();
    FakeAppliance appliance;
    RecordingListener events;

    @BeforeEach
    void startAppliance() {
        appliance = new FakeAppliance();
        appliance.keepAliveSeconds = 60;
        events = new RecordingListener();
    }

    @AfterEach
    void stopAll() {
        clients.forEach(DeviceClient::close);
        appliance.close();
    }

    DeviceClient.Builder client() {
        return DeviceClient.builder()
                .appliance("127.0.0.1", appliance.port())
                .deviceId("dev-1")
                .token("t")
                .random(new SplittableRandom(7))
                .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                .listener(events);
    }

    DeviceClient started(DeviceClient.Builder builder) {
        DeviceClient client = builder.build();
        clients.add(client);
        client.start();
        await().atMost(10, SECONDS).until(() -> events.reached(ConnectionState.CONNECTED, 1));
        return client;
    }

    @Test
    void hello_announcesOnDemandAndTheDirectAddress() {
        DeviceClient client = started(client().onDemand(QUIET, LONG).directAddress("192.0.2.17:8080"));

        Hello hello = appliance.connection(0).hello();
        assertThat(hello.onDemand()).isTrue();
        assertThat(hello.directAddress()).isEqualTo(DirectAddress.parse("192.0.2.17:8080"));
        assertThat(client.onDemand()).isTrue();
        assertThat(client.stayConnectedRequested()).isFalse();
    }

    @Test
    void hello_ofAPersistentClient_announcesNeither_unlessGivenADirectAddress() {
        started(client());
        Hello persistent = appliance.connection(0).hello();
        assertThat(persistent.onDemand()).isFalse();
        assertThat(persistent.directAddress()).isNull();
        assertThat(persistent.flags()).isZero();
    }

    @Test
    void quietPeriod_endsTheLinkOnPurpose_thenTheIntervalBringsItBack() {
        Duration interval = Duration.ofMillis(500);
        started(client().onDemand(QUIET, interval));

        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.DORMANT, 1));
        var dormant = events.first(ConnectionState.DORMANT);
        assertThat(dormant.change().cause().kind()).isEqualTo(Kind.ON_DEMAND_QUIET);
        assertThat(dormant.change().delay()).isEqualTo(interval);
        assertThat(Duration.ofNanos(dormant.atNanos() - events.first(ConnectionState.CONNECTED).atNanos()))
                .isGreaterThanOrEqualTo(QUIET);
        assertThat(events.in(ConnectionState.BACKING_OFF)).isEmpty();

        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.CONNECTED, 2));
        assertThat(Duration.ofNanos(events.in(ConnectionState.CONNECTED).get(1).atNanos() - dormant.atNanos()))
                .isGreaterThanOrEqualTo(interval);
        assertThat(appliance.connection(1).hello().onDemand()).isTrue();
    }

    @Test
    void send_whileDormant_connectsAtOnce_andTheMessageIsAcknowledged() {
        DeviceClient client = started(client().onDemand(QUIET, LONG));
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);

        CompletableFuture<Long> acked = client.send("reading".getBytes(StandardCharsets.UTF_8));

        assertThat(acked).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1L);
        assertThat(appliance.connection(1).received(Msg.class)).extracting(m -> new String(m.payload(),
                StandardCharsets.UTF_8)).containsExactly("reading");
        // Having delivered it, the client goes quiet again.
        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.DORMANT, 2));
    }

    @Test
    void quietPeriod_waitsForOutstandingAcknowledgements() {
        appliance.ackMessages = false;
        DeviceClient client = started(client().onDemand(QUIET, LONG));
        client.send("unacknowledged".getBytes(StandardCharsets.UTF_8));
        var connection = appliance.connection(0);
        await().atMost(5, SECONDS).until(() -> connection.received(Msg.class).size() == 1);

        await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);

        connection.ack(1);
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
    }

    // ---- device-initiated links while dormant ----

    @Test
    void localLinkConnection_whileDormant_wakesTheClient_andGetsItsStreamOnceTheLinkIsBack() throws Exception {
        appliance.capabilities = LINKS;
        appliance.onStreamOpen = open -> new StreamOpenResult(open.streamId(), StreamStatus.OK, 64 * 1024);
        DeviceClient client = started(client().onDemand(QUIET, LONG).link(new LocalLink("127.0.0.1", 0, "telemetry")));
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);

        try (Socket first = new Socket(); Socket second = new Socket()) {
            first.connect(client.linkAddresses().getFirst());
            first.setSoTimeout(5000);
            // Written while there is no device link: it waits in the socket and goes out once the stream is open.
            first.getOutputStream().write("reading=42".getBytes(StandardCharsets.UTF_8));
            second.connect(client.linkAddresses().getFirst());

            var woken = appliance.connection(1);
            Stream a = woken.stream(2);
            Stream b = woken.stream(4);
            assertThat(woken.received(StreamOpen.class)).extracting(StreamOpen::service)
                    .containsExactly("telemetry", "telemetry");
            await().atMost(5, SECONDS).until(() -> a.text().equals("reading=42"));
            woken.sendData(2, "ok");
            assertThat(new String(first.getInputStream().readNBytes(2), StandardCharsets.UTF_8)).isEqualTo("ok");
            assertThat(b.resetByDevice()).isNull();
            woken.send(new StreamClose(2));
            woken.send(new StreamClose(4));
        }
        await().atMost(5, SECONDS).until(() -> client.activeStreams() == 0);
        // One wake-up for both connections, and once their streams are done the client goes quiet again.
        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.DORMANT, 2));
        assertThat(appliance.connections()).hasSize(2);
        assertThat(client.counters().linkWakeups()).isEqualTo(1);
        assertThat(client.counters().linkWaitsFailed()).isZero();
    }

    @Test
    void localLinkConnection_whileDormant_isClosedInAnOrderlyWay_whenTheLinkDoesNotComeBackInTime() throws Exception {
        appliance.capabilities = LINKS;
        DeviceClient client = started(client().onDemand(QUIET, LONG)
                .connectTimeout(Duration.ofMillis(200)).handshakeTimeout(Duration.ofMillis(300))
                .link(new LocalLink("127.0.0.1", 0, "telemetry")));
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
        appliance.onHello = hello -> null; // the appliance accepts the connection but never answers

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.setSoTimeout(5000);
            appliance.connection(1); // it woke up and tried

            // Neither a hang nor a reset: end of stream, after at most one attempt's connect and handshake timeouts.
            assertThat(local.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(client.counters().linkWakeups()).isEqualTo(1);
        assertThat(client.counters().linkWaitsFailed()).isEqualTo(1);
        assertThat(client.activeStreams()).isZero();
    }

    @Test
    void localLinkConnection_whileDormant_isClosed_whenTheApplianceDoesNotOfferDeviceLinks() throws Exception {
        DeviceClient client = started(client().onDemand(QUIET, LONG).link(new LocalLink("127.0.0.1", 0, "telemetry")));
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.setSoTimeout(5000);
            assertThat(local.getInputStream().read()).isEqualTo(-1);
        }
        // It woke up, and closed the connection when the WELCOME came without DEVICE_LINKS.
        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.CONNECTED, 2));
        assertThat(appliance.connection(1).received(StreamOpen.class)).isEmpty();
        assertThat(client.counters().linkWaitsFailed()).isEqualTo(1);
    }

    // ---- what keeps an on-demand client connected ----

    @Test
    void openStream_keepsTheClientConnected_andItsEnd_startsTheQuietPeriodAgain() throws Exception {
        MockTicker ticker = Ticker.newMockTicker();
        appliance.capabilities = LINKS;
        appliance.onStreamOpen = open -> new StreamOpenResult(open.streamId(), StreamStatus.OK, 64 * 1024);
        DeviceClient client = started(client().ticker(ticker).onDemand(QUIET, LONG)
                .link(new LocalLink("127.0.0.1", 0, "telemetry")));
        var link = appliance.connection(0);

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.setSoTimeout(5000);
            link.stream(2);
            link.send(new StreamClose(2)); // the back-end is done; the local program is not
            assertThat(local.getInputStream().read()).isEqualTo(-1);

            ticker.advance(1, HOURS);
            await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                    .until(() -> client.state() == ConnectionState.CONNECTED);
        }
        await().atMost(5, SECONDS).until(() -> client.activeStreams() == 0);

        // The stream ended just now, an hour after the last frame: the client stays for a whole quiet period more.
        await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);
        ticker.advance(QUIET.toNanos(), NANOSECONDS);
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
    }

    @Test
    void rpcCall_keepsTheClientConnectedUntilAnswered_andTheAnswerStartsTheQuietPeriodAgain() {
        MockTicker ticker = Ticker.newMockTicker();
        appliance.capabilities = Capabilities.CM_COMMANDS | Capabilities.RPC;
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        DeviceClient client = started(client().ticker(ticker).onDemand(QUIET, LONG).rpcHandler((method, body) -> {
            calls.incrementAndGet();
            return reply;
        }));
        var link = appliance.connection(0);

        link.send(new RpcRequest(1, 0, "status", new byte[0]));
        await().atMost(5, SECONDS).until(() -> calls.get() == 1);
        ticker.advance(1, HOURS);
        await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);

        reply.complete("fine".getBytes(StandardCharsets.UTF_8));
        await().atMost(5, SECONDS).until(() -> link.received(RpcResponse.class).size() == 1);
        assertThat(link.received(RpcResponse.class).getFirst())
                .isEqualTo(new RpcResponse(1, RpcStatus.OK, "fine".getBytes(StandardCharsets.UTF_8)));
        // The answer is business too: the appliance gets a whole quiet period to follow it up.
        await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);
        ticker.advance(QUIET.toNanos(), NANOSECONDS);
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
    }

    @Test
    void rpcAnswers_stillBeingWritten_areNotCutOffByTheQuietDisconnect() {
        appliance.capabilities = Capabilities.CM_COMMANDS | Capabilities.RPC;
        byte[] dump = new byte[1_000_000];
        for (int i = 0; i < dump.length; i++) {
            dump[i] = (byte) (i * 31 + (i >> 8));
        }
        int calls = 16; // far more than the kernel buffers of both sockets hold while the appliance does not read
        DeviceClient client = started(client().onDemand(QUIET, LONG)
                .rpcHandler((method, body) -> CompletableFuture.completedFuture(dump)));
        var link = appliance.connection(0);
        link.pauseReading();

        for (int i = 1; i <= calls; i++) {
            link.send(new RpcRequest(i, 0, "dump", new byte[0]));
        }
        // Every call is answered at once, but the answers cannot all be written: the link must stay up meanwhile.
        await().during(QUIET.multipliedBy(4)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);

        link.resumeReading();
        await().atMost(10, SECONDS).until(() -> link.received(RpcResponse.class).size() == calls);
        assertThat(link.received(RpcResponse.class)).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(RpcStatus.OK);
            assertThat(r.body()).isEqualTo(dump);
        });
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
    }

    @Test
    void stayConnected_inWelcome_keepsAnOnDemandClientConnected_untilAWelcomeComesWithoutIt() {
        appliance.stayConnected = true;
        DeviceClient client = started(client().onDemand(QUIET, LONG).directAddress("127.0.0.1"));

        assertThat(client.stayConnectedRequested()).isTrue();
        assertThat(client.welcome().stayConnected()).isTrue();
        await().during(QUIET.multipliedBy(3)).atMost(5, SECONDS)
                .until(() -> client.state() == ConnectionState.CONNECTED);
        assertThat(events.in(ConnectionState.DORMANT)).isEmpty();

        appliance.stayConnected = false;
        appliance.connection(0).drop();
        await().atMost(5, SECONDS).until(() -> events.reached(ConnectionState.CONNECTED, 2));
        assertThat(client.stayConnectedRequested()).isFalse();
        await().atMost(5, SECONDS).until(() -> client.state() == ConnectionState.DORMANT);
    }

    @Test
    void build_refusesAMalformedDirectAddressAndZeroDurations() {
        assertThatThrownBy(() -> client().directAddress("2001:db8::1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brackets");
        assertThatThrownBy(() -> client().onDemand(Duration.ZERO, LONG).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on-demand");
    }
}
