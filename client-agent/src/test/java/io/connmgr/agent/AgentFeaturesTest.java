package io.connmgr.agent;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.config.AgentConfigLoader;
import io.connmgr.agent.config.AgentConfigLoader.Setting;
import io.connmgr.agent.config.ConfigKey;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.agent.fake.FakeAppliance.Stream;
import io.connmgr.agent.fake.LocalService;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.RpcRequest;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.RpcStatus;
import io.connmgr.protocol.wire.StreamStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agent's options end to end: config in, the fake appliance on the other side, real programs and services. */
class AgentFeaturesTest {
    @TempDir
    Path dir;

    FakeAppliance appliance;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void start() {
        appliance = new FakeAppliance();
        appliance.capabilities = Capabilities.CM_COMMANDS | Capabilities.STREAMS | Capabilities.RPC
                | Capabilities.CONNECT_REQUESTS;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        appliance.close();
    }

    private Agent agent(Object... keysAndValues) throws Exception {
        Map<ConfigKey, Setting> flags = new EnumMap<>(ConfigKey.class);
        flags.put(ConfigKey.APPLIANCE, new Setting("127.0.0.1:" + appliance.port(), "--appliance"));
        flags.put(ConfigKey.DEVICE_ID, new Setting("dev-9", "--device-id"));
        flags.put(ConfigKey.TOKEN, new Setting("t", "--token"));
        flags.put(ConfigKey.BACKOFF_INITIAL, new Setting("50ms", "--backoff-initial"));
        for (int i = 0; i < keysAndValues.length; i += 2) {
            ConfigKey key = (ConfigKey) keysAndValues[i];
            flags.put(key, new Setting((String) keysAndValues[i + 1], key.flag()));
        }
        AgentConfig config = AgentConfigLoader.resolve(Map.of(), flags);
        Agent agent = new Agent(config, List.of(new CommandFeatures(config)));
        closeables.add(agent);
        agent.start();
        await().until(() -> agent.client().state() == ConnectionState.CONNECTED);
        return agent;
    }

    private Path script(String name, String body) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        return file;
    }

    @Test
    void expose_relaysAStreamToTheLocalService() throws Exception {
        LocalService echo = new LocalService[]{LocalService.echo()}[0];
        closeables.add(echo);
        agent(ConfigKey.EXPOSE, "2222=127.0.0.1:" + echo.port(), ConfigKey.STREAM_WINDOW, "64k");
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 2222);
        await().until(() -> s.result() != null);
        assertThat(s.result().window()).isEqualTo(65536);
        link.sendData(1, "over the agent");
        await().until(() -> s.text().equals("over the agent"));
    }

    @Test
    void onConnectRequestExec_runsTheCommand_withTheRequestInItsEnvironment_neverThroughAShell() throws Exception {
        Path out = dir.resolve("env.txt");
        Path cmd = script("notify.sh", "env | grep '^CM_' | sort > \"$1\"\n");
        Agent agent = agent(ConfigKey.EXPOSE, "22", ConfigKey.ON_CONNECT_REQUEST_EXEC, "/bin/sh " + cmd + " " + out);
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & Capabilities.CONNECT_REQUESTS).isNotZero();

        link.send(new ConnectRequest(3, 22, new byte[]{(byte) 0xCA, (byte) 0xFE}, "ops; rm -rf / $(id)"));

        await().until(() -> !link.received(StreamOpenResult.class).isEmpty());
        assertThat(link.received(StreamOpenResult.class).getFirst())
                .isEqualTo(new StreamOpenResult(3, StreamStatus.OK, 0));
        assertThat(Files.readAllLines(out)).containsExactly(
                "CM_APPLIANCE_HOST=127.0.0.1",
                "CM_APPLIANCE_PORT=" + appliance.port(),
                "CM_ORIGIN=ops; rm -rf / $(id)",
                "CM_PORT=22",
                "CM_REQUEST_ID=3",
                "CM_STREAM_TOKEN=cafe");
        assertThat(agent.client().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void onConnectRequestExec_thatStartsTheApplicationInTheBackground_answersOkAtOnce() throws Exception {
        // The background child keeps stdout and stderr open long after the command itself has exited.
        Path cmd = script("launch.sh", "sleep 5 &\nexit 0\n");
        agent(ConfigKey.EXPOSE, "22", ConfigKey.ON_CONNECT_REQUEST_EXEC, "/bin/sh " + cmd,
                ConfigKey.EXEC_TIMEOUT, "20s");
        var link = appliance.connection(0);

        link.send(new ConnectRequest(11, 22, new byte[]{1}, "ops"));

        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !link.received(StreamOpenResult.class).isEmpty());
        assertThat(link.received(StreamOpenResult.class).getFirst().status()).isEqualTo(StreamStatus.OK);
    }

    @Test
    void onConnectRequestExec_failingCommand_answersFailed() throws Exception {
        Path cmd = script("fail.sh", "echo 'app not running' >&2; exit 4\n");
        agent(ConfigKey.EXPOSE, "22", ConfigKey.ON_CONNECT_REQUEST_EXEC, "/bin/sh " + cmd);
        var link = appliance.connection(0);

        link.send(new ConnectRequest(5, 22, new byte[]{1}, "ops"));

        await().until(() -> !link.received(StreamOpenResult.class).isEmpty());
        assertThat(link.received(StreamOpenResult.class).getFirst().status()).isEqualTo(StreamStatus.FAILED);
    }

    @Test
    void onConnectRequestUrl_postsJson_andItsAnswerDecides() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/connect", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int status = bodies.size() == 1 ? 204 : 503;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        http.start();
        closeables.add(() -> http.stop(0));
        agent(ConfigKey.EXPOSE, "22", ConfigKey.ON_CONNECT_REQUEST_URL,
                "http://127.0.0.1:" + http.getAddress().getPort() + "/connect");
        var link = appliance.connection(0);

        link.send(new ConnectRequest(7, 22, new byte[]{0x0F}, "backend \"a\""));
        await().until(() -> link.received(StreamOpenResult.class).size() == 1);
        link.send(new ConnectRequest(9, 22, new byte[]{0x10}, "backend-b"));
        await().until(() -> link.received(StreamOpenResult.class).size() == 2);

        assertThat(link.received(StreamOpenResult.class)).containsExactly(
                new StreamOpenResult(7, StreamStatus.OK, 0), new StreamOpenResult(9, StreamStatus.FAILED, 0));
        assertThat(bodies.getFirst()).isEqualTo("{\"applianceHost\":\"127.0.0.1\",\"appliancePort\":"
                + appliance.port() + ",\"token\":\"0f\",\"port\":22,\"origin\":\"backend \\\"a\\\"\",\"requestId\":7}");
    }

    @Test
    void rpcExec_answersWithTheCommandsOutput() throws Exception {
        Path cmd = script("rpc.sh", """
                case "$CM_RPC_METHOD" in
                  echo) cat ;;
                  fail) echo 'disk full' >&2; exit 1 ;;
                  *) exit 3 ;;
                esac
                """);
        agent(ConfigKey.RPC_EXEC, "/bin/sh " + cmd);
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & Capabilities.RPC).isNotZero();

        link.send(new RpcRequest(1, 5000, "echo", "body bytes".getBytes(StandardCharsets.UTF_8)));
        link.send(new RpcRequest(2, 5000, "fail", new byte[0]));
        link.send(new RpcRequest(3, 5000, "other", new byte[0]));

        await().until(() -> link.received(RpcResponse.class).size() == 3);
        assertThat(link.received(RpcResponse.class)).containsExactlyInAnyOrder(
                new RpcResponse(1, RpcStatus.OK, "body bytes".getBytes(StandardCharsets.UTF_8)),
                new RpcResponse(2, RpcStatus.ERROR, "disk full".getBytes(StandardCharsets.UTF_8)),
                new RpcResponse(3, RpcStatus.NO_HANDLER, new byte[0]));
    }
}
