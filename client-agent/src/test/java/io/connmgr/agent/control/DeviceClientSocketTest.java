package io.connmgr.agent.control;

import io.connmgr.agent.control.DisconnectCause.Kind;
import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.ReasonCode;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link DeviceClient} against a fake appliance over real loopback sockets. Written once, run on each transport by
 * the subclasses. Every wait is on an outcome (awaitility), never a fixed delay.
 */
abstract class DeviceClientSocketTest {
    private static final String TOKEN = "s3cret-token";

    private final List<DeviceClient> clients = new ArrayList<>();
    FakeAppliance appliance;
    RecordingListener events;

    abstract Transport transport();

    @BeforeEach
    void startAppliance() {
        appliance = new FakeAppliance();
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
                .token(TOKEN)
                .transport(transport())
                .random(new SplittableRandom(42))
                .reconnectPolicy(new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(60),
                        Duration.ofSeconds(30)))
                .listener(events);
    }

    DeviceClient started(DeviceClient.Builder builder) {
        DeviceClient client = builder.build();
        clients.add(client);
        return client.start();
    }

    DeviceClient connected(DeviceClient.Builder builder) {
        DeviceClient client = started(builder);
        await().until(() -> client.state() == ConnectionState.CONNECTED);
        return client;
    }

    @Test
    void handshake_sendsHelloWithToken_thenPingsAtTheWelcomeInterval() {
        DeviceClient client = connected(client().keepAliveSeconds(30));

        Hello hello = appliance.connection(0).hello();
        assertThat(hello.deviceId()).isEqualTo("dev-1");
        assertThat(new String(hello.credential(), StandardCharsets.UTF_8)).isEqualTo(TOKEN);
        assertThat(hello.keepAliveSeconds()).isEqualTo(30);
        assertThat(hello.capabilities()).isEqualTo(Capabilities.CM_COMMANDS);
        assertThat(hello.hasResumeToken()).isFalse();
        assertThat(client.welcome()).isEqualTo(appliance.connection(0).answer());
        assertThat(events.first(ConnectionState.CONNECTED).change().welcome().keepAliveSeconds()).isEqualTo(1);

        // The appliance said 1 s (not the 30 s asked for): PINGs must follow its interval.
        var connection = appliance.connection(0);
        await().atMost(6, SECONDS).until(() -> connection.received(Ping.class).size() >= 3);
        var pings = connection.receivedWithTimes(Ping.class);
        long welcomedAt = events.first(ConnectionState.CONNECTED).atNanos();
        assertThat(Duration.ofNanos(pings.get(0).atNanos() - welcomedAt)).isBetween(ms(900), ms(2000));
        for (int i = 1; i < 3; i++) {
            assertThat(Duration.ofNanos(pings.get(i).atNanos() - pings.get(i - 1).atNanos()))
                    .isBetween(ms(600), ms(1600));
        }
        await().until(() -> client.counters().pongsReceived() >= 3);
        assertThat(client.counters().pingsSent()).isGreaterThanOrEqualTo(3);
        assertThat(client.counters().reconnects()).isZero();
    }

    @Test
    void reconnect_afterTheApplianceDrops_presentsTheResumeToken() {
        DeviceClient client = connected(client());
        byte[] token = ((Welcome) appliance.connection(0).answer()).resumeToken();

        appliance.connection(0).drop();

        await().until(() -> events.reached(ConnectionState.CONNECTED, 2));
        assertThat(appliance.connection(1).hello().resumeToken()).isEqualTo(token);
        assertThat(client.welcome().resumed()).isTrue();
        assertThat(events.first(ConnectionState.BACKING_OFF).change().cause().kind()).isEqualTo(Kind.CONNECTION_LOST);
        assertThat(client.counters().reconnects()).isEqualTo(1);
        assertThat(client.counters().sessionsEstablished()).isEqualTo(2);
    }

    @Test
    void keepAlive_whenTheApplianceFallsSilent_declaresItDeadAfterThreeIntervalsAndReconnects() {
        appliance.answerPings = false;
        connected(client());

        await().atMost(8, SECONDS).until(() -> events.reached(ConnectionState.BACKING_OFF, 1));

        var backingOff = events.first(ConnectionState.BACKING_OFF);
        assertThat(backingOff.change().cause().kind()).isEqualTo(Kind.PEER_SILENT);
        Duration silentFor = Duration.ofNanos(backingOff.atNanos() - events.first(ConnectionState.CONNECTED).atNanos());
        assertThat(silentFor).isBetween(ms(2900), ms(5000));
        await().until(() -> appliance.connections().size() == 2);
    }

    @Test
    void goAway_theNextAttemptWaitsAtLeastTheHint() {
        long hintMillis = 1500;
        DeviceClient client = connected(client());
        var first = appliance.connection(0);

        long sentAt = System.nanoTime();
        first.send(new GoAway(ReasonCode.SHUTTING_DOWN, hintMillis, "maintenance"));
        first.drop();

        var second = appliance.connection(1);
        assertThat(Duration.ofNanos(second.acceptedAtNanos() - sentAt)).isGreaterThanOrEqualTo(ms(hintMillis));
        StateChange backingOff = events.first(ConnectionState.BACKING_OFF).change();
        assertThat(backingOff.cause().kind()).isEqualTo(Kind.GOAWAY);
        assertThat(backingOff.cause().reason()).isEqualTo(ReasonCode.SHUTTING_DOWN);
        // hint + up to max(1 s, 20 % of the hint) of jitter (docs/protocol.md 6.6).
        assertThat(backingOff.delay()).isBetween(ms(hintMillis), ms(hintMillis + 1000));
        assertThat(events.goAways).singleElement().extracting(GoAway::message).isEqualTo("maintenance");
        await().until(() -> client.state() == ConnectionState.CONNECTED);
    }

    @Test
    void goAwayInPlaceOfWelcome_waitsTheHintPlusJitter_thenConnects() {
        long hintMillis = 1200;
        java.util.concurrent.atomic.AtomicInteger hellos = new java.util.concurrent.atomic.AtomicInteger();
        appliance.onHello = hello -> hellos.getAndIncrement() == 0
                ? new GoAway(ReasonCode.OVERLOADED, hintMillis, "busy") : appliance.welcome(hello);
        DeviceClient client = started(client());

        await().until(() -> client.state() == ConnectionState.CONNECTED);

        var first = appliance.connection(0);
        var second = appliance.connection(1);
        assertThat(Duration.ofNanos(second.acceptedAtNanos() - first.acceptedAtNanos()))
                .isGreaterThanOrEqualTo(ms(hintMillis));
        StateChange backingOff = events.first(ConnectionState.BACKING_OFF).change();
        assertThat(backingOff.cause().kind()).isEqualTo(Kind.GOAWAY);
        assertThat(backingOff.cause().reason()).isEqualTo(ReasonCode.OVERLOADED);
        assertThat(backingOff.cause().reconnectAfter()).isEqualTo(ms(hintMillis));
        assertThat(backingOff.cause().isPermanent()).isFalse();
        assertThat(backingOff.delay()).isBetween(ms(hintMillis), ms(hintMillis + 1000));
        assertThat(events.goAways).singleElement().extracting(GoAway::reasonCode)
                .isEqualTo(ReasonCode.OVERLOADED.code());
        assertThat(appliance.connections()).hasSize(2);
    }

    @Test
    void reject_badCredentials_backsOffAtTheCap() {
        appliance.onHello = hello -> new Reject(ReasonCode.BAD_CREDENTIALS, "token does not match");
        DeviceClient client = started(client());

        await().until(() -> events.reached(ConnectionState.BACKING_OFF, 1));

        StateChange backingOff = events.first(ConnectionState.BACKING_OFF).change();
        assertThat(backingOff.cause().kind()).isEqualTo(Kind.REJECTED);
        assertThat(backingOff.cause().reason()).isEqualTo(ReasonCode.BAD_CREDENTIALS);
        assertThat(backingOff.cause().isPermanent()).isTrue();
        assertThat(backingOff.cause().detail()).contains("BAD_CREDENTIALS", "token does not match")
                .doesNotContain(TOKEN);
        assertThat(backingOff.delay()).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(client.state()).isEqualTo(ConnectionState.BACKING_OFF);
    }

    @Test
    void reject_overloaded_retriesOnTheNormalSchedule() {
        appliance.onHello = hello -> new Reject(ReasonCode.OVERLOADED, "busy");

        started(client());

        await().until(() -> appliance.connections().size() >= 3);
        StateChange backingOff = events.first(ConnectionState.BACKING_OFF).change();
        assertThat(backingOff.cause().reason()).isEqualTo(ReasonCode.OVERLOADED);
        assertThat(backingOff.cause().isPermanent()).isFalse();
        assertThat(backingOff.delay()).isLessThanOrEqualTo(ms(100));
    }

    @Test
    void send_completesOnTheCumulativeAck() {
        appliance.ackMessages = false;
        DeviceClient client = connected(client());
        var connection = appliance.connection(0);

        CompletableFuture<Long> first = client.send(bytes("a"));
        CompletableFuture<Long> second = client.send(bytes("b"));
        await().until(() -> connection.received(Msg.class).size() == 2);
        assertThat(connection.received(Msg.class)).containsExactly(new Msg(1, bytes("a")), new Msg(2, bytes("b")));
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        connection.ack(2);

        await().until(() -> first.isDone() && second.isDone());
        assertThat(first.join()).isEqualTo(1);
        assertThat(second.join()).isEqualTo(2);
        assertThat(client.counters().messagesAcked()).isEqualTo(2);
    }

    @Test
    void send_beforeConnecting_goesOutOnceWelcomed() {
        DeviceClient client = client().build();
        clients.add(client);
        CompletableFuture<Long> acked = client.send(bytes("early"));

        client.start();

        assertThat(acked).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1L);
    }

    @Test
    void resumedSession_resendsOnlyWhatWasNotAcknowledged() {
        appliance.ackMessages = false;
        DeviceClient client = connected(client());
        var first = appliance.connection(0);
        CompletableFuture<Long> one = client.send(bytes("one"));
        CompletableFuture<Long> two = client.send(bytes("two"));
        await().until(() -> first.received(Msg.class).size() == 2);
        first.ack(1);
        await().until(one::isDone);

        appliance.ackMessages = true;
        first.drop();

        assertThat(two).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(2L);
        assertThat(client.welcome().resumed()).isTrue();
        assertThat(client.welcome().lastUplinkSeq()).isEqualTo(1);
        assertThat(appliance.connection(1).received(Msg.class)).containsExactly(new Msg(2, bytes("two")));
    }

    @Test
    void newSession_resendsUnacknowledgedMessagesNumberedFromOne() {
        appliance.ackMessages = false;
        DeviceClient client = connected(client());
        var first = appliance.connection(0);
        client.send(bytes("one"));
        CompletableFuture<Long> two = client.send(bytes("two"));
        await().until(() -> first.received(Msg.class).size() == 2);
        first.ack(1);

        appliance.forgetSession();
        appliance.ackMessages = true;
        first.drop();

        assertThat(two).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1L);
        assertThat(client.welcome().resumed()).isFalse();
        assertThat(appliance.connection(1).received(Msg.class)).containsExactly(new Msg(1, bytes("two")));
    }

    @Test
    void command_completesWithTheCmdResultOfItsId() {
        appliance.onCommand = cmd -> cmd.command() == CmdOpcode.SET_KEEPALIVE ? CmdStatus.INVALID_VALUE : CmdStatus.OK;
        DeviceClient client = connected(client());

        CompletableFuture<CmdStatus> idle = client.command(CmdOpcode.SET_IDLE_AFTER, 300);
        CompletableFuture<CmdStatus> keepAlive = client.command(CmdOpcode.SET_KEEPALIVE, 0xFFFF_FFFFL);

        assertThat(idle).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(CmdStatus.OK);
        assertThat(keepAlive).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(CmdStatus.INVALID_VALUE);
        assertThat(appliance.connection(0).received(Cmd.class)).extracting(Cmd::command, Cmd::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(CmdOpcode.SET_IDLE_AFTER, 300L),
                        org.assertj.core.groups.Tuple.tuple(CmdOpcode.SET_KEEPALIVE, 0xFFFF_FFFFL));
    }

    @Test
    void command_whileNotConnected_failsAtOnce() {
        DeviceClient client = client().build();
        clients.add(client);

        assertThatThrownBy(() -> client.command(CmdOpcode.SLEEP_NOW, 0).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(DeviceClientException.class)
                .extracting(e -> ((DeviceClientException) e).kind()).isEqualTo(DeviceClientException.Kind.NOT_CONNECTED);
    }

    @Test
    void downlinkMessages_reachTheListenerInOrder_thenOneCumulativeAck() {
        connected(client());
        var connection = appliance.connection(0);

        connection.channel().write(new Msg(1, bytes("x")));
        connection.channel().write(new Msg(2, bytes("y")));
        connection.channel().flush();

        await().until(() -> connection.received(Ack.class).stream().anyMatch(a -> a.seq() == 2));
        assertThat(events.messages).containsExactly(new RecordingListener.Message(1, "x"),
                new RecordingListener.Message(2, "y"));
    }

    @Test
    void handshake_withoutAnswer_timesOutAndRetries() {
        appliance.onHello = hello -> null;

        started(client().handshakeTimeout(ms(300)));

        await().until(() -> events.reached(ConnectionState.BACKING_OFF, 1));
        assertThat(events.first(ConnectionState.BACKING_OFF).change().cause().kind()).isEqualTo(Kind.HANDSHAKE_TIMEOUT);
        await().until(() -> appliance.connections().size() >= 2);
    }

    @Test
    void garbageFromTheAppliance_isAProtocolViolation() {
        connected(client());

        appliance.connection(0).channel().writeAndFlush(Unpooled.wrappedBuffer(new byte[]{(byte) 0xEE, 0, 0, 0}));

        await().until(() -> events.reached(ConnectionState.BACKING_OFF, 1));
        DisconnectCause cause = events.first(ConnectionState.BACKING_OFF).change().cause();
        assertThat(cause.kind()).isEqualTo(Kind.PROTOCOL_VIOLATION);
        assertThat(cause.reason()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
    }

    @Test
    void connectionRefused_backsOffWithGrowingWindows() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        started(client().appliance("127.0.0.1", closedPort));

        await().until(() -> events.reached(ConnectionState.BACKING_OFF, 3));
        var backoffs = events.in(ConnectionState.BACKING_OFF);
        assertThat(backoffs).allSatisfy(t -> assertThat(t.change().cause().kind()).isEqualTo(Kind.CONNECT_FAILED));
        assertThat(events.in(ConnectionState.CONNECTING)).extracting(t -> t.change().attempt())
                .startsWith(0, 1, 2);
        for (int i = 0; i < 3; i++) {
            assertThat(backoffs.get(i).change().delay()).isLessThanOrEqualTo(ms(100L << i));
        }
    }

    @Test
    void close_failsWhatIsPendingAndStopsReconnecting() {
        appliance.ackMessages = false;
        DeviceClient client = connected(client());
        CompletableFuture<Long> pending = client.send(bytes("never acked"));
        await().until(() -> appliance.connection(0).received(Msg.class).size() == 1);

        client.close();

        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(client.whenClosed()).isDone();
        assertThat(pending).isCompletedExceptionally();
        assertThatThrownBy(pending::join).cause().isInstanceOf(DeviceClientException.class);
        assertThat(events.first(ConnectionState.CLOSED).change().cause().kind()).isEqualTo(Kind.CLIENT_CLOSED);
        await().until(() -> !appliance.connection(0).channel().isActive());
        assertThat(client.send(bytes("late"))).failsWithin(Duration.ofSeconds(1));
        assertThat(appliance.connections()).hasSize(1);
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
