package io.connmgr.agent;

import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.config.HostPort;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.control.StateChange;
import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.protocol.message.Capabilities;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AgentTest {

    @Test
    void agent_connectsWithItsConfig_tellsExtensions_andClosesThemFirst() {
        List<String> calls = new CopyOnWriteArrayList<>();
        AgentExtension extension = new AgentExtension() {
            @Override
            public int capabilities() {
                return Capabilities.STREAMS;
            }

            @Override
            public DeviceClientListener listener() {
                return new DeviceClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        calls.add(change.state().name());
                    }
                };
            }

            @Override
            public void attach(DeviceClient client) {
                calls.add("attach");
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        try (FakeAppliance appliance = new FakeAppliance()) {
            var config = new AgentConfig(new HostPort("127.0.0.1", appliance.port()), "dev-7", "tok",
                    Duration.ofSeconds(20), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(5), "INFO");
            Agent agent = new Agent(config, List.of(extension)).start();

            await().until(() -> agent.client().state() == ConnectionState.CONNECTED);
            var hello = appliance.connection(0).hello();
            assertThat(hello.deviceId()).isEqualTo("dev-7");
            assertThat(new String(hello.credential(), StandardCharsets.UTF_8)).isEqualTo("tok");
            assertThat(hello.keepAliveSeconds()).isEqualTo(20);
            assertThat(hello.capabilities()).isEqualTo(Capabilities.CM_COMMANDS | Capabilities.STREAMS);

            agent.close();

            assertThat(agent.whenClosed()).isDone();
            assertThat(calls).containsExactly("attach", "CONNECTING", "CONNECTED", "close", "CLOSED");
        }
    }
}
