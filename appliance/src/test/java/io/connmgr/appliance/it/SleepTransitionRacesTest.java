package io.connmgr.appliance.it;

import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.SessionState;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.RpcStatus;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Server requests and downlink messages that meet a device on its way between Netty and the sleep table, with the
 * store write of its session held so that the meeting happens every time, not once in a few hundred.
 */
class SleepTransitionRacesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    ApplianceHarness harness;
    String token;
    SleepSaveHold hold;

    @AfterEach
    void stop() {
        if (hold != null) {
            hold.release.countDown(); // a failed test must not leave the store's writer waiting
        }
        if (harness != null) {
            harness.close();
        }
    }

    /** Holds the first save of a SLEEPING session until released; later saves go straight through. */
    private static final class SleepSaveHold {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean used = new AtomicBoolean();

        UnaryOperator<ApplianceStore> decorator() {
            return real -> (ApplianceStore) Proxy.newProxyInstance(ApplianceStore.class.getClassLoader(),
                    new Class<?>[]{ApplianceStore.class}, (proxy, method, args) -> {
                        if (method.getName().equals("saveSession") && args[0] instanceof SessionRecord r
                                && r.state() == SessionState.SLEEPING && used.compareAndSet(false, true)) {
                            entered.countDown();
                            if (!release.await(30, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("the test never released the held session save");
                            }
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        void awaitEntered() throws InterruptedException {
            assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the session save for sleep began")
                    .isTrue();
        }
    }

    /**
     * Occupies a device's event loop until closed, so that the tasks given to it meanwhile queue up behind and run in
     * the order the test gave them.
     */
    private static final class LoopBlock implements AutoCloseable {
        final SingleThreadEventExecutor loop;
        final CountDownLatch release = new CountDownLatch(1);
        final int before;

        LoopBlock(EventLoop loop) throws InterruptedException {
            this.loop = (SingleThreadEventExecutor) loop;
            CountDownLatch running = new CountDownLatch(1);
            loop.execute(() -> {
                running.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the event loop took the block").isTrue();
            before = this.loop.pendingTasks();
        }

        /** Waits until {@code n} more tasks wait behind the block. */
        void awaitQueued(int n) {
            await().atMost(WAIT).until(() -> loop.pendingTasks() >= before + n);
        }

        @Override
        public void close() {
            release.countDown();
        }
    }

    private void start(SleepSaveHold hold) throws Exception {
        start(hold, UnaryOperator.identity());
    }

    private void start(SleepSaveHold hold, UnaryOperator<MessageStore> messageStore) throws Exception {
        this.hold = hold;
        harness = new ApplianceHarness(dir);
        harness.sessionStore = hold.decorator();
        harness.messageStore = messageStore;
        harness.start();
        token = harness.backendToken("ops");
    }

    private DeviceSession awakeSession(String id) {
        return harness.appliance.manager().awakeSession(id).orElseThrow();
    }

    private void tier(String id, Tier tier) throws Exception {
        assertThat(harness.admin("POST", "/v1/devices/" + id + "/tier", "{\"tier\":\"" + tier + "\"}")
                .statusCode()).isEqualTo(202);
    }

    private static String outcome(CompletableFuture<HttpResponse<byte[]>> call) {
        if (!call.isDone()) {
            return "(still waiting)";
        }
        HttpResponse<byte[]> r = call.join();
        return r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }

    private TestDevice device(String id) throws Exception {
        TestDevice d = new TestDevice(harness.devicePort());
        Welcome w = d.connect(id, harness.fleetToken(id), Capabilities.RPC, null);
        assertThat(w.capabilities() & Capabilities.RPC).as("the appliance offers RPC").isNotZero();
        return d;
    }

    private CompletableFuture<HttpResponse<byte[]>> rpc(String id, String method) {
        return harness.callAsync("POST", "/v1/devices/" + id + "/rpc?method=" + method + "&timeout=5s", token,
                new byte[0]);
    }

    /** An RPC the device answers at once; its end is the server activity that demotes the device to SLEEP. */
    private void answeredRpc(TestDevice d, String id) throws Exception {
        var call = rpc(id, "status");
        RpcRequest request = d.read(RpcRequest.class);
        d.send(new RpcResponse(request.callId(), RpcStatus.OK, "fine".getBytes(StandardCharsets.UTF_8)));
        assertThat(call.get().statusCode()).isEqualTo(200);
    }

    private String push(String id, String payload) throws Exception {
        HttpResponse<byte[]> r = harness.call("POST", "/v1/devices/" + id + "/messages", token,
                payload.getBytes(StandardCharsets.UTF_8));
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(202);
        return body.replaceAll(".*\"message_id\":\"([^\"]+)\".*", "$1");
    }

    private String status(String id, String messageId) throws Exception {
        HttpResponse<byte[]> r = harness.call("GET", "/v1/devices/" + id + "/messages/" + messageId, token, null);
        return new String(r.body(), StandardCharsets.UTF_8).replaceAll(".*\"status\":\"([^\"]+)\".*", "$1");
    }

    private static String text(Msg m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void aMessageSentWhileTheSessionIsStoredForSleep_isKnownToTheSessionThatReadsItsAck() throws Exception {
        SleepSaveHold hold = new SleepSaveHold();
        start(hold);
        try (TestDevice d = device("dev-1")) {
            // The RPC's end puts the device to sleep at once; its session record is taken and the write held.
            answeredRpc(d, "dev-1");
            hold.awaitEntered();

            // A push meanwhile goes out on the connection that is still in Netty.
            String first = push("dev-1", "first");
            Msg one = d.read(Msg.class);
            assertThat(one.seq()).isEqualTo(1);
            assertThat(text(one)).isEqualTo("first");

            // The write lands; then the device acknowledges what it got, as it may. The same connection goes on
            // numbering from there: no GOAWAY in between.
            hold.release.countDown();
            d.send(new Ack(1));
            push("dev-1", "second");
            Msg two = d.read(Msg.class);
            assertThat(two.seq()).isEqualTo(2);
            assertThat(text(two)).isEqualTo("second");
            d.send(new Ack(2));
            await().atMost(WAIT).until(() -> status("dev-1", first).equals("delivered"));

            // A later sleep stores the numbering as it is, and the wake for the next push carries on from it.
            answeredRpc(d, "dev-1");
            await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.SLEEP);
            String third = push("dev-1", "third");
            Msg three = d.read(Msg.class);
            assertThat(three.seq()).isEqualTo(3);
            assertThat(text(three)).isEqualTo("third");
            d.send(new Ack(3));
            await().atMost(WAIT).until(() -> status("dev-1", third).equals("delivered"));
            assertThat(harness.total("cm.frames.rejected")).as("frames refused as protocol errors").isZero();
            assertThat(harness.appliance.messaging().depth("dev-1")).isZero();
        }
    }

    @Test
    void anRpcWhoseWakeFindsTheDeviceIdle_isSentEvenWhenTheDeviceIsParkedBeforeTheWakeReachesIt() throws Exception {
        SleepSaveHold hold = new SleepSaveHold();
        start(hold);
        try (TestDevice d = device("dev-1")) {
            tier("dev-1", Tier.IDLE);
            await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.IDLE);
            tier("dev-1", Tier.SLEEP);
            hold.awaitEntered();

            // The park (once the record is stored) waits on the device's loop; then the call's wake finds the
            // session still awake and IDLE, and its promotion to ACTIVE waits behind the park.
            CompletableFuture<HttpResponse<byte[]>> call;
            try (LoopBlock block = new LoopBlock(awakeSession("dev-1").channel().eventLoop())) {
                hold.release.countDown();
                block.awaitQueued(1);
                call = rpc("dev-1", "status");
                block.awaitQueued(2);
            }

            RpcRequest request;
            try {
                request = d.read(RpcRequest.class);
            } catch (SocketTimeoutException e) {
                fail("the device, connected all along, got no RPC_REQUEST; the call ended with " + outcome(call));
                return;
            }
            d.send(new RpcResponse(request.callId(), RpcStatus.OK, "fine".getBytes(StandardCharsets.UTF_8)));
            HttpResponse<byte[]> answer = call.get();
            assertThat(answer.statusCode()).as(outcome(call)).isEqualTo(200);
            assertThat(harness.counter("cm.rpc.calls", "outcome", "offline")).isZero();
        }
    }

    @Test
    void aWakeThatFindsTheDeviceIdle_followsItIntoTheSleepTableInsteadOfCallingItDisconnected() throws Exception {
        SleepSaveHold hold = new SleepSaveHold();
        start(hold);
        try (TestDevice d = device("dev-1")) {
            tier("dev-1", Tier.IDLE);
            await().atMost(WAIT).until(() -> harness.tierOf("dev-1") == Tier.IDLE);
            tier("dev-1", Tier.SLEEP);
            hold.awaitEntered();

            CompletableFuture<HttpResponse<byte[]>> wake;
            try (LoopBlock block = new LoopBlock(awakeSession("dev-1").channel().eventLoop())) {
                hold.release.countDown();
                block.awaitQueued(1);
                wake = harness.callAsync("POST", "/v1/devices/dev-1/tier", harness.adminToken(),
                        "{\"tier\":\"ACTIVE\"}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
                block.awaitQueued(2);
            }

            assertThat(wake.get().statusCode()).as(outcome(wake)).isEqualTo(202);
            assertThat(harness.tierOf("dev-1")).isEqualTo(Tier.ACTIVE);
            d.send(Ping.INSTANCE);
            assertThat(d.read()).isInstanceOf(Pong.class);
        }
    }

    @Test
    void aPushForADeviceParkedBeforeItsDeliveryReachesIt_wakesTheDeviceAgain() throws Exception {
        SleepSaveHold hold = new SleepSaveHold();
        start(hold);
        try (TestDevice d = device("dev-1")) {
            answeredRpc(d, "dev-1");
            hold.awaitEntered();

            // The park waits on the device's loop; the push finds the session still awake, and its delivery waits
            // behind the park.
            String id;
            try (LoopBlock block = new LoopBlock(awakeSession("dev-1").channel().eventLoop())) {
                hold.release.countDown();
                block.awaitQueued(1);
                id = push("dev-1", "hello");
                block.awaitQueued(2);
            }

            Msg msg;
            try {
                msg = d.read(Msg.class);
            } catch (SocketTimeoutException e) {
                fail("the push stayed queued (" + status("dev-1", id) + ") for a device that is connected, in tier "
                        + harness.tierOf("dev-1"));
                return;
            }
            assertThat(text(msg)).isEqualTo("hello");
            d.send(new Ack(msg.seq()));
            await().atMost(WAIT).until(() -> status("dev-1", id).equals("delivered"));
        }
    }

    @Test
    void aPushBeingReadFromTheStoreWhenTheSleepRecordIsStored_keepsTheDeviceAwakeToReceiveIt() throws Exception {
        CountDownLatch assignEntered = new CountDownLatch(1);
        CountDownLatch assignMayProceed = new CountDownLatch(1);
        AtomicBoolean assignHeld = new AtomicBoolean();
        UnaryOperator<MessageStore> holdFirstAssign = real -> (MessageStore) Proxy.newProxyInstance(
                MessageStore.class.getClassLoader(), new Class<?>[]{MessageStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("assign") && assignHeld.compareAndSet(false, true)) {
                        assignEntered.countDown();
                        assignMayProceed.await(30, TimeUnit.SECONDS);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SleepSaveHold hold = new SleepSaveHold();
        start(hold, holdFirstAssign);
        try (TestDevice d = device("dev-1")) {
            answeredRpc(d, "dev-1");
            hold.awaitEntered();
            DeviceSession session = awakeSession("dev-1");

            // The push is being numbered in the store for the awake session when the sleep record lands.
            String id = push("dev-1", "hello");
            assertThat(assignEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            hold.release.countDown();
            await().atMost(WAIT).until(() -> !session.transitioning());
            assignMayProceed.countDown();

            Msg msg;
            try {
                msg = d.read(Msg.class);
            } catch (SocketTimeoutException e) {
                fail("the push stayed queued (" + status("dev-1", id) + ") for a device that is connected, in tier "
                        + harness.tierOf("dev-1"));
                return;
            }
            assertThat(msg.seq()).isEqualTo(1);
            assertThat(text(msg)).isEqualTo("hello");
            d.send(new Ack(1));
            await().atMost(WAIT).until(() -> status("dev-1", id).equals("delivered"));
        }
    }
}
