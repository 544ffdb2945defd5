package io.connmgr.appliance.it;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.rpc.RpcHandler;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.protocol.backend.BackendFrame.DeviceEvent;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.backend.PresenceKind;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.client.BackendException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Java back-end client on the control channel of a whole appliance, with the real device library on the other
 * side: the same queue, RPC and settings as the REST API, and events from the devices.
 */
class ControlChannelEndToEndTest {
    @TempDir
    Path dir;
    ApplianceHarness harness;
    BackendClient backend;
    DeviceClient device;
    final List<byte[]> received = new CopyOnWriteArrayList<>();
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        harness = new ApplianceHarness(dir, "idle-after", "1h", "sleep-after", "2h").start();
        String token = harness.backendToken("billing");
        backend = BackendClient.builder().host("127.0.0.1").port(harness.appliance.controlPort())
                .credentials("billing", token).build();
        backend.connect().get(10, TimeUnit.SECONDS);
        backend.subscribe(events::add, new EventFilter(EventFilter.UPLINK | EventFilter.PRESENCE,
                EventFilter.Scope.ALL, List.of())).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        backend.close();
        harness.close();
    }

    void connectDevice(String id) {
        device = DeviceClient.builder()
                .appliance("127.0.0.1", harness.devicePort())
                .deviceId(id)
                .token(harness.fleetToken(id))
                .rpcHandler((method, body) -> method.equals("echo")
                        ? CompletableFuture.completedFuture(("echo:" + new String(body, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8))
                        : RpcHandler.unknownMethod(method))
                .listener(new DeviceClientListener() {
                    @Override
                    public void onMessage(long seq, byte[] payload) {
                        received.add(payload);
                    }
                })
                .build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> device.state() == ConnectionState.CONNECTED);
    }

    @Test
    void send_isAcceptedOnceStored_andReachesTheDevice_whenItComesBack() throws Exception {
        connectDevice("meter-1");
        device.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("meter-1") == Tier.DISCONNECTED);

        String id = backend.send("meter-1", "tariff 7".getBytes(StandardCharsets.UTF_8), null, null)
                .get(10, TimeUnit.SECONDS);
        assertThat(id).isNotBlank();
        connectDevice("meter-1");

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(new String(received.getFirst(), StandardCharsets.UTF_8)).isEqualTo("tariff 7");
    }

    @Test
    void send_toADeviceNobodyKnows_isRefusedAsUnknown() {
        assertThatThrownBy(() -> backend.send("ghost", new byte[] {1}, null, null).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(BackendException.UnknownDevice.class);
    }

    @Test
    void sendAndRpc_tooLargeForOneDeviceFrame_areInvalidRequests_countedAndNotStored() throws Exception {
        connectDevice("meter-9");
        byte[] huge = new byte[harness.appliance.config().maxFrameSize() - 7]; // MSG carries 8 bytes of seq
        assertThatThrownBy(() -> backend.send("meter-9", huge, null, null).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(BackendException.class).hasMessageContaining("at most");
        assertThatThrownBy(() -> backend.rpc("meter-9", "echo", huge, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(BackendException.class).hasMessageContaining("at most");

        assertThat(harness.counter("cm.messages.rejected", "reason", "too_large")).isEqualTo(1);
        assertThat(harness.counter("cm.rpc.calls", "outcome", "too_large")).isEqualTo(1);
        assertThat(harness.appliance.messaging().depth("meter-9")).isZero();
        assertThat(harness.counter("cm.control.requests", "type", "send", "status", "invalid_request")).isEqualTo(1);
    }

    @Test
    void rpc_reachesTheDevicesHandler_evenAsleep() throws Exception {
        connectDevice("meter-2");
        harness.appliance.manager().requestTier("meter-2", Tier.SLEEP, TierCause.ADMIN).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("meter-2") == Tier.SLEEP);

        byte[] answer = backend.rpc("meter-2", "echo", "hi".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                .get(15, TimeUnit.SECONDS);

        assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("echo:hi");
    }

    @Test
    void uplinkAndPresence_reachTheSubscriber() throws Exception {
        connectDevice("meter-3");
        device.send("reading 12".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof UplinkEvent));
        UplinkEvent uplink = (UplinkEvent) events.stream().filter(e -> e instanceof UplinkEvent).findFirst().get();
        assertThat(uplink.deviceId()).isEqualTo("meter-3");
        assertThat(new String(uplink.payload(), StandardCharsets.UTF_8)).isEqualTo("reading 12");
        assertThat(events).anyMatch(e -> e instanceof PresenceEvent p && p.kind() == PresenceKind.CONNECTED
                && p.deviceId().equals("meter-3"));

        device.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof PresenceEvent p
                && p.kind() == PresenceKind.DISCONNECTED));
    }

    @Test
    void welcome_grantsWhatTheApplianceServes_streamsToo() {
        int granted = backend.welcome().capabilities();

        assertThat(granted & io.connmgr.protocol.backend.BackendWire.CAP_STREAMS).isNotZero();
        assertThat(granted & io.connmgr.protocol.backend.BackendWire.CAP_RPC).isNotZero();
    }

    @Test
    void settings_takeEffectOnTheLiveConnection() throws Exception {
        connectDevice("meter-4");

        backend.settings("meter-4", DeviceSettings.UNCHANGED.withIdleAfter(Duration.ofMillis(200)))
                .get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> harness.tierOf("meter-4") == Tier.IDLE);
    }
}
