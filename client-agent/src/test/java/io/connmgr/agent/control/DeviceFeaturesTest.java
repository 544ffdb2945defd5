package io.connmgr.agent.control;

import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.agent.fake.FakeAppliance.Stream;
import io.connmgr.agent.fake.FakeProxy;
import io.connmgr.agent.fake.LocalService;
import io.connmgr.agent.rpc.RpcHandler;
import io.connmgr.agent.stream.ConnectRequestInfo;
import io.connmgr.agent.stream.DataConnection;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.RpcStatus;
import io.connmgr.protocol.wire.StreamStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Connect requests, device-initiated links, RPC and the outbound proxy, against the fake appliance. */
class DeviceFeaturesTest extends DeviceStreamsTestBase {

    // ---- connection-initiating device ----

    @Test
    void connectRequest_tellsTheApplication_whichDialsInWithTheToken() {
        List<ConnectRequestInfo> told = new CopyOnWriteArrayList<>();
        DeviceClient client = connected(client().expose(22).connectRequestHandler(request -> {
            told.add(request);
            try (Socket s = DataConnection.attach(request.applianceHost(), request.appliancePort(), request.token(),
                    Duration.ofSeconds(5))) {
                s.getOutputStream().write("from the app".getBytes(StandardCharsets.UTF_8));
            }
            return CompletableFuture.completedFuture(null);
        }));
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & Capabilities.CONNECT_REQUESTS).isNotZero();
        byte[] token = {(byte) 0xAB, 0x01, 0x7F};

        link.send(new ConnectRequest(5, 22, token, "backend-a"));

        await().until(() -> !link.received(StreamOpenResult.class).isEmpty());
        assertThat(link.received(StreamOpenResult.class).getFirst())
                .isEqualTo(new StreamOpenResult(5, StreamStatus.OK, 0));
        ConnectRequestInfo info = told.getFirst();
        assertThat(info.tokenHex()).isEqualTo("ab017f");
        assertThat(info.origin()).isEqualTo("backend-a");
        assertThat(info.port()).isEqualTo(22);
        assertThat(info.requestId()).isEqualTo(5);
        var data = appliance.connection(1);
        await().until(() -> new String(data.raw(), StandardCharsets.UTF_8).equals("from the app"));
        assertThat(data.attachToken()).isEqualTo(token);
        assertThat(client.activeStreams()).isZero();
    }

    @Test
    void connectRequest_forAPortNotExposed_isNotExposed_andAFailedNotification_isFailed() {
        connected(client().expose(22).connectRequestHandler(request -> {
            throw new IOException("application not running");
        }));
        var link = appliance.connection(0);

        link.send(new ConnectRequest(7, 23, new byte[]{1}, "backend-a"));
        link.send(new ConnectRequest(9, 22, new byte[]{1}, "backend-a"));

        await().until(() -> link.received(StreamOpenResult.class).size() == 2);
        assertThat(link.received(StreamOpenResult.class)).containsExactlyInAnyOrder(
                new StreamOpenResult(7, StreamStatus.NOT_EXPOSED, 0),
                new StreamOpenResult(9, StreamStatus.FAILED, 0));
    }

    // ---- device-initiated links ----

    @Test
    void deviceLink_opensAnEvenStreamToTheService_andRelays() throws Exception {
        appliance.onStreamOpen = open -> new StreamOpenResult(open.streamId(), StreamStatus.OK, 64 * 1024);
        DeviceClient client = connected(client().link(new LocalLink("127.0.0.1", 0, "telemetry")));
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & Capabilities.DEVICE_LINKS).isNotZero();

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.getOutputStream().write("reading=42".getBytes(StandardCharsets.UTF_8));
            Stream s = link.stream(2);
            StreamOpen open = link.received(StreamOpen.class).getFirst();
            assertThat(open.streamId()).isEqualTo(2);
            assertThat(open.service()).isEqualTo("telemetry");
            assertThat(open.mode()).isEqualTo(StreamMode.MULTIPLEXED);
            await().until(() -> s.text().equals("reading=42"));

            link.sendData(2, "ack");
            byte[] reply = local.getInputStream().readNBytes(3);
            assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("ack");
        }
        await().until(() -> link.stream(2).closedByDevice()); // the local client's FIN is a half-close
        assertThat(client.activeStreams()).isEqualTo(1);
        link.send(new io.connmgr.protocol.message.StreamClose(2));
        await().until(() -> client.activeStreams() == 0);
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void deviceLink_toAnUnknownService_closesTheLocalConnectionPromptly() throws Exception {
        // The fake answers UNKNOWN_SERVICE by default.
        DeviceClient client = connected(client().link(new LocalLink("127.0.0.1", 0, "nope")));

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.setSoTimeout(5000);
            assertThat(readUntilClosed(local.getInputStream())).isTrue();
        }
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(client.activeStreams()).isZero();
    }

    @Test
    void deviceLink_whileDisconnected_closesTheLocalConnection() throws Exception {
        appliance.onHello = hello -> null; // never welcomed
        DeviceClient client = client().link(new LocalLink("127.0.0.1", 0, "telemetry")).build();
        closing(client).start();
        await().until(() -> !appliance.connections().isEmpty());

        try (Socket local = new Socket()) {
            local.connect(client.linkAddresses().getFirst());
            local.setSoTimeout(5000);
            assertThat(readUntilClosed(local.getInputStream())).isTrue();
        }
    }

    /** True when the peer closed (end of stream or reset); never blocks past the socket timeout. */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // connection reset
        }
    }

    // ---- RPC ----

    @Test
    void rpcHandler_answersOk_error_noHandler_andTimeout() {
        RpcHandler handler = (method, body) -> switch (method) {
            case "echo" -> CompletableFuture.completedFuture(body);
            case "fail" -> throw new IllegalStateException("sensor offline");
            case "slow" -> new CompletableFuture<>(); // never answers
            default -> RpcHandler.unknownMethod(method);
        };
        connected(client().rpcHandler(handler));
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & Capabilities.RPC).isNotZero();

        link.send(new RpcRequest(1, 5000, "echo", "ping".getBytes(StandardCharsets.UTF_8)));
        link.send(new RpcRequest(2, 5000, "fail", new byte[0]));
        link.send(new RpcRequest(3, 5000, "reboot", new byte[0]));
        link.send(new RpcRequest(4, 100, "slow", new byte[0]));

        await().until(() -> link.received(RpcResponse.class).size() == 4);
        assertThat(link.received(RpcResponse.class)).containsExactlyInAnyOrder(
                new RpcResponse(1, RpcStatus.OK, "ping".getBytes(StandardCharsets.UTF_8)),
                new RpcResponse(2, RpcStatus.ERROR, "sensor offline".getBytes(StandardCharsets.UTF_8)),
                new RpcResponse(3, RpcStatus.NO_HANDLER, new byte[0]),
                new RpcResponse(4, RpcStatus.TIMEOUT, new byte[0]));
    }

    @Test
    void rpcRequest_withoutRpcNegotiated_isAProtocolViolation() {
        appliance.capabilities = Capabilities.CM_COMMANDS;
        DeviceClient client = connected(client().rpcHandler((m, b) -> CompletableFuture.completedFuture(b)));

        appliance.connection(0).send(new RpcRequest(1, 0, "echo", new byte[0]));

        await().until(() -> appliance.connections().size() == 2); // the device dropped the link and reconnected
        assertThat(client.counters().reconnects()).isPositive();
    }

    // ---- outbound proxy ----

    @Test
    void via_httpConnectProxy_carriesTheLink_andDataConnections() {
        FakeProxy proxy = closing(FakeProxy.httpConnect());
        LocalService echo = closing(LocalService.echo());
        connected(client()
                .proxy(OutboundProxy.parse("http://agent:pa55@127.0.0.1:" + proxy.port()))
                .expose(new Exposure(7020, "127.0.0.1", echo.port()))
                .streamMode(StreamMode.DATA_CONNECTION));
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7020, StreamMode.DATA_CONNECTION, new byte[]{9, 9});
        await().until(() -> s.result() != null);
        var data = appliance.connection(1);
        data.sendRaw("through the proxy");
        await().until(() -> new String(data.raw(), StandardCharsets.UTF_8).equals("through the proxy"));

        String target = "CONNECT 127.0.0.1:" + appliance.port() + " HTTP/1.1";
        assertThat(proxy.requests()).containsExactly(target, target);
        assertThat(proxy.authorizations()).allMatch(a -> a.equals("Basic "
                + Base64.getEncoder().encodeToString("agent:pa55".getBytes(StandardCharsets.UTF_8))));
        assertThat(((InetSocketAddress) link.channel().remoteAddress()).getPort()).isNotEqualTo(proxy.port());
    }

    @Test
    void via_socks5Proxy_withUserAndPassword_carriesTheLink() {
        FakeProxy proxy = closing(FakeProxy.socks5("agent", "s3cret"));
        connected(client().proxy(OutboundProxy.parse("socks5://agent:s3cret@127.0.0.1:" + proxy.port())));

        assertThat(proxy.targets()).containsExactly("127.0.0.1:" + appliance.port());
        assertThat(appliance.connection(0).hello().deviceId()).isEqualTo("dev-1");
    }

    @Test
    void via_proxyThatRefuses_isAConnectionFailure_andTheClientKeepsRetrying() {
        FakeProxy proxy = closing(FakeProxy.socks5("agent", "right"));
        DeviceClient client = client().proxy(OutboundProxy.parse("socks5://agent:wrong@127.0.0.1:" + proxy.port()))
                .build();
        closing(client).start();

        await().until(() -> client.counters().reconnects() >= 2);
        assertThat(appliance.connections()).isEmpty();
        assertThat(client.state()).isNotEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void outboundProxy_parsesHttpAndSocks5_andHidesThePassword() {
        OutboundProxy http = OutboundProxy.parse("http://proxy.corp:3128");
        OutboundProxy socks = OutboundProxy.parse("socks5://u:p%40ss@10.0.0.1:1080");

        assertThat(http).isEqualTo(new OutboundProxy(OutboundProxy.Type.HTTP, "proxy.corp", 3128, null, null));
        assertThat(socks).isEqualTo(new OutboundProxy(OutboundProxy.Type.SOCKS5, "10.0.0.1", 1080, "u", "p@ss"));
        assertThat(socks.toString()).isEqualTo("socks5://u:***@10.0.0.1:1080");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutboundProxy.parse("ftp://x:1"))
                .hasMessageContaining("http:// or socks5://");
    }
}
